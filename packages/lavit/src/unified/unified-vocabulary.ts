import { CausalLM, type CausalLMConfig } from '@vlalign/core';

/**
 * The id layout of a unified text + image vocabulary (LaVIT §3.2): text ids `[0, textVocabSize)`,
 * then `[IMG]`, `[/IMG]`, then one id per code (`textVocabSize + 2 + code`).
 */
export class UnifiedVocabulary {
  readonly textVocabSize: number;
  readonly codebookSize: number;

  constructor(textVocabSize: number, codebookSize: number) {
    if (!Number.isInteger(textVocabSize) || textVocabSize < 1 || !Number.isInteger(codebookSize) || codebookSize < 1) {
      throw new Error(`UnifiedVocabulary: textVocabSize and codebookSize must be positive integers, got ${textVocabSize} and ${codebookSize}`);
    }
    this.textVocabSize = textVocabSize;
    this.codebookSize = codebookSize;
  }

  /** Id of `[IMG]`. */
  get imageStart(): number {
    return this.textVocabSize;
  }
  /** Id of `[/IMG]`. */
  get imageEnd(): number {
    return this.textVocabSize + 1;
  }
  /** First visual id (code 0). */
  get visualOffset(): number {
    return this.textVocabSize + 2;
  }
  /** Total vocabulary size: text + 2 + codebook. */
  get size(): number {
    return this.textVocabSize + 2 + this.codebookSize;
  }

  /** LM id of codebook index `code`. */
  visualId(code: number): number {
    if (!Number.isInteger(code) || code < 0 || code >= this.codebookSize) throw new Error(`UnifiedVocabulary: code ${code} outside [0, ${this.codebookSize})`);
    return this.visualOffset + code;
  }

  /** Codebook index of LM id `id`, or undefined when it is not a visual id. */
  codeOf(id: number): number | undefined {
    return this.isVisual(id) ? id - this.visualOffset : undefined;
  }

  isVisual(id: number): boolean {
    return id >= this.visualOffset && id < this.size;
  }

  isText(id: number): boolean {
    return id >= 0 && id < this.textVocabSize;
  }

  /** `[IMG] v_1 .. v_k [/IMG]` for codebook ids `codes`. */
  imageSpan(codes: readonly number[]): number[] {
    return [this.imageStart, ...codes.map((c) => this.visualId(c)), this.imageEnd];
  }
}

/** Architecture of a unified LM (its vocabulary size comes from the {@link UnifiedVocabulary}). */
export type UnifiedLMConfig = Omit<CausalLMConfig, 'vocabSize'>;

/**
 * Builds a `CausalLM` whose vocabulary is `textVocabSize + 2 + codebookSize` (text, `[IMG]`,
 * `[/IMG]`, visual ids). New rows start like every other embedding (LaVIT initialises them like
 * LLaMA's word embeddings).
 *
 * @example
 * const { lm, vocab } = createUnifiedLM({ maxLength: 96, width: 64, layers: 2, heads: 4, mlpHidden: 256 }, tokenizer.vocabSize, 1024, { seed: 1 });
 */
export function createUnifiedLM(config: UnifiedLMConfig, textVocabSize: number, codebookSize: number, options: { seed?: number } = {}): { lm: CausalLM; vocab: UnifiedVocabulary } {
  const vocab = new UnifiedVocabulary(textVocabSize, codebookSize);
  const lm = new CausalLM({ ...config, vocabSize: vocab.size }, { seed: options.seed ?? 0 });
  return { lm, vocab };
}
