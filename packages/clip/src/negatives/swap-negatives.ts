/**
 * NegCLIP-style hard-negative captions: a copy of a caption with one word replaced by another
 * word of the same swap group ("a red circle" -> "a red square"), so the only way to tell the
 * copy from the true caption is the swapped attribute.
 *
 * A swap group lists interchangeable *entries*; an entry is one word or a list of synonyms. A word
 * is only ever replaced by a word of a *different* entry, so a synonym ("disc" for "circle") is
 * never produced as a negative. Matching is on whole whitespace-separated words, case-insensitive,
 * ignoring leading/trailing punctuation (which is kept).
 */

/** One group: interchangeable entries, each a word or a list of synonyms. */
export type SwapGroup = ReadonlyArray<string | readonly string[]>;

interface WordEntry {
  group: number;
  entry: number;
}

/** A compiled set of swap groups: word -> (group, entry). */
export interface SwapTable {
  readonly groups: ReadonlyArray<ReadonlyArray<readonly string[]>>;
  readonly byWord: ReadonlyMap<string, WordEntry>;
}

/**
 * Validates and indexes swap groups. Throws when a group has fewer than 2 entries, a word is empty
 * or contains whitespace, or a word appears twice (within or across groups).
 */
export function compileSwapGroups(groups: readonly SwapGroup[]): SwapTable {
  const byWord = new Map<string, WordEntry>();
  const compiled = groups.map((group, g) => {
    if (group.length < 2) throw new Error(`swap group ${g} needs at least 2 entries; got ${group.length}`);
    return group.map((entry, e) => {
      const words = (typeof entry === 'string' ? [entry] : [...entry]).map((w) => w.toLowerCase());
      if (words.length === 0) throw new Error(`swap group ${g}, entry ${e} is empty`);
      for (const w of words) {
        if (!/^\S+$/.test(w)) throw new Error(`swap group ${g}, entry ${e}: "${w}" must be one word without spaces`);
        if (byWord.has(w)) throw new Error(`swap word "${w}" appears more than once in the swap groups`);
        byWord.set(w, { group: g, entry: e });
      }
      return words;
    });
  });
  return { groups: compiled, byWord };
}

const EDGE_PUNCTUATION = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/u;

/**
 * A copy of `caption` with one swappable word (chosen uniformly among the caption's swappable
 * words) replaced by a word of another entry of its group (entry uniform, then synonym uniform).
 * Returns `undefined` when the caption has no swappable word. Draws exactly 3 numbers from
 * `random` either way (positions, entry, synonym), so a seeded stream stays aligned.
 */
export function swapOneWord(caption: string, table: SwapTable, random: () => number): string | undefined {
  const r = [random(), random(), random()];
  const tokens = caption.split(/(\s+)/);
  const hits: { index: number; lead: string; trail: string; at: WordEntry }[] = [];
  tokens.forEach((tok, index) => {
    const m = EDGE_PUNCTUATION.exec(tok);
    if (!m || m[2] === '') return;
    const at = table.byWord.get(m[2].toLowerCase());
    if (at) hits.push({ index, lead: m[1], trail: m[3], at });
  });
  if (hits.length === 0) return undefined;
  const pick = (n: number, u: number) => Math.min(n - 1, Math.floor(u * n));
  const hit = hits[pick(hits.length, r[0])];
  const entries = table.groups[hit.at.group];
  const other = pick(entries.length - 1, r[1]);
  const words = entries[other >= hit.at.entry ? other + 1 : other];
  tokens[hit.index] = hit.lead + words[pick(words.length, r[2])] + hit.trail;
  return tokens.join('');
}

/**
 * `perCaption` swapped copies of every caption (captions without a swappable word contribute
 * none). Draws `3 * perCaption` numbers per caption from `random`, whatever the captions hold.
 */
export function swappedNegatives(captions: readonly string[], table: SwapTable, perCaption: number, random: () => number): string[] {
  const out: string[] = [];
  for (const caption of captions) {
    for (let k = 0; k < perCaption; k++) {
      const neg = swapOneWord(caption, table, random);
      if (neg !== undefined) out.push(neg);
    }
  }
  return out;
}
