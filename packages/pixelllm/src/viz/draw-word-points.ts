import sharp from 'sharp';
import type { RgbImage } from '@vlalign/core';

/** Options of {@link drawWordPoints}. */
export interface DrawWordPointsOptions {
  /** Upscaling factor (nearest neighbour, so pixels stay crisp). Default 6. */
  scale?: number;
  /** Draw the box spanned by each word's points. Default true. */
  boxes?: boolean;
  /** Font size of the word labels in output pixels. Default 11. */
  fontSize?: number;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990', '#dcbeff', '#9a6324'];

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/**
 * Renders an image with each word's predicted points: the image is upscaled (nearest neighbour)
 * and an SVG overlay is composited on it with, per word, its box (dashed), its points (dots) and
 * the word at the first point, one colour per word.
 *
 * @param image the RGB image.
 * @param words one label per entry of `points`.
 * @param points per word, its points `[[x, y], ...]` normalised to [0, 1] (e.g. `localizeWords`'s output).
 * @returns PNG bytes.
 */
export async function drawWordPoints(image: RgbImage, words: readonly string[], points: readonly (readonly (readonly number[])[])[], options: DrawWordPointsOptions = {}): Promise<Buffer> {
  if (words.length !== points.length) throw new Error(`drawWordPoints: ${words.length} words for ${points.length} point sets`);
  if (image.data.length !== image.width * image.height * 3) throw new Error(`drawWordPoints: image data has ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
  const scale = options.scale ?? 6;
  const fontSize = options.fontSize ?? 11;
  const W = image.width * scale;
  const H = image.height * scale;
  const parts: string[] = [];
  points.forEach((pts, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const xs = pts.map((p) => p[0] * W);
    const ys = pts.map((p) => p[1] * H);
    if (xs.length === 0) return;
    if ((options.boxes ?? true) && xs.length >= 2) {
      const x0 = Math.min(...xs);
      const y0 = Math.min(...ys);
      parts.push(
        `<rect x="${x0.toFixed(1)}" y="${y0.toFixed(1)}" width="${(Math.max(...xs) - x0).toFixed(1)}" height="${(Math.max(...ys) - y0).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="4 2"/>`,
      );
    }
    xs.forEach((x, k) => parts.push(`<circle cx="${x.toFixed(1)}" cy="${ys[k].toFixed(1)}" r="3" fill="${colour}" stroke="white" stroke-width="1"/>`));
    parts.push(
      `<text x="${(xs[0] + 4).toFixed(1)}" y="${(ys[0] - 3).toFixed(1)}" font-family="sans-serif" font-size="${fontSize}" fill="${colour}" stroke="black" stroke-width="0.3">${escapeXml(words[i])}</text>`,
    );
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
  const upscaled = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(W, H, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return sharp(upscaled)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
}
