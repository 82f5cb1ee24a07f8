import type { Dataset, Sample } from '@vlalign/core';

/** The first `max` samples of a dataset (awaiting async readers), in order. */
export async function firstSamples(data: Dataset, max: number): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < Math.min(max, data.length); i++) out.push(await data.get(i));
  return out;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
