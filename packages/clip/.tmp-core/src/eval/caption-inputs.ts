import { checkSameLength, checkStrings, metricError } from './checks.js';
import { tokenizeCaption } from './caption-tokenize.js';

/** Turns a caption into tokens. Tokens must not contain white space. */
export type CaptionTokenizer = (text: string) => string[];

/**
 * Validates the (candidates, references) pair every caption metric takes: one candidate string per
 * image and a non-empty list of reference strings per image.
 */
export function checkCaptionInputs(metric: string, candidates: readonly string[], references: readonly (readonly string[])[]): void {
  checkStrings(metric, 'candidates', candidates);
  if (!Array.isArray(references)) metricError(metric, 'references must be an array with one string[] per candidate');
  checkSameLength(metric, 'candidates', candidates, 'references', references);
  references.forEach((rs, i) => {
    if (!Array.isArray(rs) || rs.length === 0) metricError(metric, `references[${i}] must be a non-empty string[] (every candidate needs a reference)`);
    rs.forEach((r, j) => {
      if (typeof r !== 'string') metricError(metric, `references[${i}][${j}] must be a string, got ${typeof r}`);
    });
  });
}

/** {@link checkCaptionInputs}, then tokenises every candidate and reference. */
export function tokenizeCaptionInputs(
  metric: string,
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  tokenize: CaptionTokenizer = tokenizeCaption,
): { candidates: string[][]; references: string[][][] } {
  checkCaptionInputs(metric, candidates, references);
  return {
    candidates: candidates.map((c, i) => tokenizeChecked(metric, `candidates[${i}]`, c, tokenize)),
    references: references.map((rs, i) => rs.map((r, j) => tokenizeChecked(metric, `references[${i}][${j}]`, r, tokenize))),
  };
}

/** Tokenises `text`, checking a custom tokeniser's output. */
export function tokenizeChecked(metric: string, name: string, text: string, tokenize: CaptionTokenizer): string[] {
  const tokens = tokenize(text);
  return checkedTokens(metric, name, tokens, tokenize);
}

function checkedTokens(metric: string, name: string, tokens: string[], tokenize: CaptionTokenizer): string[] {
  // The built-in tokenizer guarantees clean tokens; only custom ones need the check.
  if (!Array.isArray(tokens)) metricError(metric, `the tokenize option must return string[] (for ${name})`);
  if (tokenize !== tokenizeCaption && tokens.some((t) => typeof t !== 'string' || t.length === 0 || /\s/.test(t))) {
    metricError(metric, `the tokenize option returned an empty or white-space-containing token for ${name}`);
  }
  return tokens;
}

/** Counts the n-grams of `tokens` of length exactly `n`; keys are the tokens joined by one space. */
export function countNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
