import type { Dataset, Sample } from '@vlalign/core';

/** The first `max` samples of `data` in chunks of `batchSize` (eval data order is fixed, so runs compare). */
export async function* evalBatches(data: Dataset, max: number, batchSize: number): AsyncGenerator<Sample[]> {
  const n = Math.min(data.length, max);
  for (let start = 0; start < n; start += batchSize) {
    const batch: Sample[] = [];
    for (let i = start; i < Math.min(n, start + batchSize); i++) batch.push(await data.get(i));
    yield batch;
  }
}

/** The images of a batch, with an error naming the first sample without one. */
export function evalImages(samples: readonly Sample[], hook: string) {
  return samples.map((s) => {
    if (!s.image) throw new Error(`seva ${hook}: eval sample "${s.id}" has no "image"`);
    return s.image;
  });
}
