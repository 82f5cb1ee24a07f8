/**
 * The tokenisation every caption metric here uses by default: an approximation of the Stanford
 * PTBTokenizer pass that coco-caption (pycocoevalcap) runs before BLEU / CIDEr-D, written as a few
 * exact rules so the Python reference fixtures can apply the same ones:
 *
 * 1. Lower-case the text (`String.prototype.toLowerCase`) and map the typographic apostrophe
 *    U+2019 to `'`.
 * 2. Walk the characters. Letters and digits (Unicode `\p{L}` / `\p{N}`) are word characters.
 *    `'` and `-` are kept only between two word characters (`dog's`, `t-shirt`); `.` and `,` are
 *    kept only between two ASCII digits (`3.5`, `1,000`). Every other character (white space and
 *    all remaining punctuation and symbols) separates tokens and is dropped, which matches
 *    coco-caption removing the punctuation tokens `'' ' `` ` -LRB- -RRB- -LCB- -RCB- . ? ! , : - -- ... ;`.
 * 3. Split clitics as PTB does: a token ending in `n't` (longer than 3 characters) becomes
 *    `[stem, "n't"]` (`don't` -> `do n't`); otherwise a token ending in `'s`, `'re`, `'ve`, `'ll`,
 *    `'d` or `'m` becomes `[stem, suffix]` (`dog's` -> `dog 's`).
 *
 * Known differences from PTB: symbols such as `&`, `$`, `%`, `#` and `+` are dropped instead of being
 * tokens; abbreviations with inner periods (`u.s.`) are split.
 */
export function tokenizeCaption(text: string): string[] {
  if (typeof text !== 'string') throw new Error(`tokenizeCaption: text must be a string, got ${typeof text}`);
  const chars = Array.from(text.toLowerCase().replace(/\u2019/g, "'"));
  const isWord = (c: string | undefined) => c !== undefined && WORD_CHAR.test(c);
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const tokens: string[] = [];
  let current = '';
  chars.forEach((c, i) => {
    const prev = chars[i - 1];
    const next = chars[i + 1];
    const keep =
      isWord(c) ||
      ((c === "'" || c === '-') && isWord(prev) && isWord(next)) ||
      ((c === '.' || c === ',') && isDigit(prev) && isDigit(next));
    if (keep) {
      current += c;
    } else if (current) {
      tokens.push(current);
      current = '';
    }
  });
  if (current) tokens.push(current);
  return tokens.flatMap(splitClitic);
}

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const CLITICS = ["'s", "'re", "'ve", "'ll", "'d", "'m"];

function splitClitic(token: string): string[] {
  if (token.length > 3 && token.endsWith("n't")) return [token.slice(0, -3), "n't"];
  for (const suffix of CLITICS) {
    if (token.length > suffix.length && token.endsWith(suffix)) return [token.slice(0, -suffix.length), suffix];
  }
  return [token];
}
