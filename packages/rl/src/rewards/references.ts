import type { Dataset, Sample } from '@vlalign/core';

/** The reference captions of a sample at `field` (a string or a non-empty string array). */
export function sampleReferences(sample: Sample, field: string, who: string): string[] {
  const v = sample[field];
  const refs = typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  if (refs.length === 0) throw new Error(`${who}: sample "${sample.id}" has no reference captions at field "${field}" (expected a string or string[])`);
  return refs;
}

/**
 * Every sample's reference captions, one `string[]` per sample: the document corpus CIDEr-D's
 * document frequencies are counted from (self-critical.pytorch uses the training references).
 */
export async function referenceCorpus(dataset: Dataset, field = 'captions'): Promise<string[][]> {
  const out: string[][] = [];
  for (let i = 0; i < dataset.length; i++) out.push(sampleReferences(await dataset.get(i), field, `referenceCorpus(${dataset.source})`));
  return out;
}
