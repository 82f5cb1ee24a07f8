import type { RgbImage } from '@vlalign/core';

/** A word of a generated caption with where the model points (PixelLLM-style). */
export interface ReportWordPoints {
  word: string;
  /** Points `[x, y]` normalised to [0, 1]: usually 2 (top-left, bottom-right of the word's box). */
  points: [number, number][];
}

/** One cell of the report's image grid. */
export interface ReportSample {
  image: RgbImage;
  /** The model's caption (or, for models that do not generate, a description of the cell). */
  caption: string;
  /** The dataset's reference caption, shown under the generated one. */
  reference?: string;
  /** Per-word predicted points; drawn over the image with the box they span. */
  words?: ReportWordPoints[];
}

/** Checks a sample's shape, naming the index and field that is wrong. */
export function validateReportSample(s: ReportSample, i: number): void {
  const where = `writeRunReport: samples[${i}]`;
  const img = s?.image;
  if (!img || !Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new Error(`${where}.image must be an RgbImage with positive integer width and height`);
  }
  if (!(img.data instanceof Uint8Array) || img.data.length !== img.width * img.height * 3) {
    throw new Error(`${where}.image.data must be a Uint8Array of width*height*3 = ${img.width * img.height * 3} bytes, got ${img.data?.length}`);
  }
  if (typeof s.caption !== 'string') throw new Error(`${where}.caption must be a string`);
  for (const [j, w] of (s.words ?? []).entries()) {
    if (typeof w.word !== 'string' || !Array.isArray(w.points) || w.points.some((p) => !Array.isArray(p) || p.length !== 2 || !p.every(Number.isFinite))) {
      throw new Error(`${where}.words[${j}] must be { word: string, points: [x, y][] } with finite numbers`);
    }
  }
}
