import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import type { Tokenizer } from './types.js';

/** `model.type` values {@link loadHfTokenizer} accepts. */
export const SUPPORTED_HF_MODEL_TYPES = ['BPE', 'WordPiece'] as const;

/** Options of {@link loadHfTokenizer}. */
export interface HfTokenizerOptions {
  /**
   * `tokenizer_config.json` to read beside tokenizer.json (special-token names, clean-up flags).
   * Default: the file of that name in the same folder, when it exists.
   */
  configPath?: string;
  /**
   * Token strings to use as pad / bos / eos / unk, overriding what is found in the files. Without
   * them the loader uses tokenizer_config.json's `pad_token` etc., then the usual names
   * (`[PAD]`/`<pad>`, `[CLS]`/`<s>`/`<|startoftext|>`, `[SEP]`/`</s>`/`<|endoftext|>`, `[UNK]`/`<unk>`).
   */
  specialTokens?: { pad?: string; bos?: string; eos?: string; unk?: string };
}

/** A {@link Tokenizer} backed by a Hugging Face `tokenizer.json`. */
export interface HfTokenizerAdapter extends Tokenizer {
  /** The underlying @huggingface/tokenizers object (for pair encoding, added tokens, ...). */
  readonly hf: HfTokenizer;
  /** `model.type` of the file: 'BPE' or 'WordPiece'. */
  readonly modelType: (typeof SUPPORTED_HF_MODEL_TYPES)[number];
  /** Where it was loaded from. */
  readonly source: string;
}

const CANDIDATES = {
  pad: ['[PAD]', '<pad>', '<|pad|>', '<|padding|>'],
  bos: ['[CLS]', '<s>', '<|startoftext|>', '<|begin_of_text|>', '<bos>', '<|endoftext|>'],
  eos: ['[SEP]', '</s>', '<|endoftext|>', '<|end_of_text|>', '<eos>', '<|im_end|>'],
  unk: ['[UNK]', '<unk>', '<|unk|>'],
} as const;

type Role = keyof typeof CANDIDATES;

function tokenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${what} not found: ${path}` : `Cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${path}: malformed ${what} (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Loads a Hugging Face `tokenizer.json` (offline, pure JS via @huggingface/tokenizers) as a vlalign
 * {@link Tokenizer}. `encode` adds no special tokens; `decode` skips them. Supported models: BPE
 * (GPT-2/CLIP/Llama-style, byte-level or not) and WordPiece (BERT-style); any other `model.type`
 * is refused with a message naming the supported ones.
 *
 * @throws Error naming the file when it is missing, malformed, of an unsupported type, or when a
 *   pad/bos/eos token cannot be found (set `specialTokens`). A vocabulary without an unknown token
 *   (byte-level BPE cannot produce one) gets `unkId` -1.
 */
export async function loadHfTokenizer(pathToTokenizerJson: string, options: HfTokenizerOptions = {}): Promise<HfTokenizerAdapter> {
  const path = pathToTokenizerJson;
  const json = await readJson(path, 'tokenizer.json');
  const model = json.model as { type?: unknown; unk_token?: unknown } | undefined;
  if (!model || typeof model !== 'object') throw new Error(`${path}: missing required field "model"`);
  // tokenizers' serialisation may omit model.type for BPE; infer it as the Rust library does.
  const type = typeof model.type === 'string' ? model.type : 'merges' in model ? 'BPE' : undefined;
  if (!SUPPORTED_HF_MODEL_TYPES.includes(type as never)) {
    throw new Error(
      `${path}: unsupported tokenizer model type ${JSON.stringify(type ?? null)}; supported types are ${SUPPORTED_HF_MODEL_TYPES.join(', ')}`,
    );
  }
  const configPath = options.configPath ?? join(dirname(path), 'tokenizer_config.json');
  const config = options.configPath !== undefined || existsSync(configPath) ? await readJson(configPath, 'tokenizer_config.json') : {};

  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(type === model.type ? json : { ...json, model: { ...model, type } }, config);
  } catch (err) {
    throw new Error(`${path}: cannot build the tokenizer (${(err as Error).message})`, { cause: err });
  }
  const vocab = hf.get_vocab(true);
  let maxId = -1;
  for (const id of vocab.values()) maxId = Math.max(maxId, id);

  const find = (role: Role): number | undefined => {
    const names = [options.specialTokens?.[role], tokenName(config[`${role}_token`]), role === 'unk' ? tokenName(model.unk_token) : undefined, ...CANDIDATES[role]];
    for (const name of names) {
      if (name === undefined) continue;
      const id = hf.token_to_id(name);
      if (id !== undefined) return id;
      if (name === options.specialTokens?.[role]) throw new Error(`${path}: specialTokens.${role} ${JSON.stringify(name)} is not in the vocabulary`);
    }
    return undefined;
  };
  const ids = {} as Record<Role, number>;
  for (const role of ['bos', 'eos'] as const) {
    const id = find(role);
    if (id === undefined) {
      throw new Error(`${path}: no ${role} token found (tried ${CANDIDATES[role].join(', ')}); pass options.specialTokens.${role}`);
    }
    ids[role] = id;
  }
  // GPT-2-style vocabularies have no pad token; padding with EOS is the usual convention there.
  ids.pad = find('pad') ?? ids.eos;
  ids.unk = find('unk') ?? -1;

  return {
    hf,
    modelType: type as HfTokenizerAdapter['modelType'],
    source: path,
    vocabSize: maxId + 1,
    padId: ids.pad,
    bosId: ids.bos,
    eosId: ids.eos,
    unkId: ids.unk,
    encode: (text: string) => hf.encode(text, { add_special_tokens: false }).ids,
    decode: (tokenIds: number[]) => hf.decode(tokenIds, { skip_special_tokens: true }),
    tokenize: (text: string) => hf.tokenize(text, { add_special_tokens: false }),
    tokenToId: (token: string) => hf.token_to_id(token),
  };
}
