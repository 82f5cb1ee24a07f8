import type sharpFn from 'sharp';
import type { ReportSample, ReportWordPoints } from './report-sample.js';
import { escapeHtml } from './escape-html.js';

/** Options of {@link renderImageGrid}. */
export interface ImageGridOptions {
  /** Displayed side of each image in pixels (images are upscaled, nearest neighbour). Default 192. */
  cellSize?: number;
}

const WORD_COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#0f9fbf', '#f032e6', '#6b8e23', '#9a6324', '#800000', '#000075', '#808000'];

// Loaded on first use so importing the CLI does not load a native library.
let sharpPromise: Promise<typeof sharpFn> | undefined;
function loadSharp(): Promise<typeof sharpFn> {
  sharpPromise ??= import('sharp').then((m) => (m as unknown as { default: typeof sharpFn }).default ?? (m as unknown as typeof sharpFn));
  return sharpPromise;
}

/** Encodes an RGB image upscaled (nearest neighbour, so pixels stay crisp) as a PNG data URI. */
export async function imageDataUri(image: ReportSample['image'], size: number): Promise<string> {
  const sharp = await loadSharp();
  const scale = Math.max(1, Math.round(size / Math.max(image.width, image.height)));
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(image.width * scale, image.height * scale, { kernel: 'nearest' })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

function overlay(words: readonly ReportWordPoints[], w: number, h: number): string {
  const parts = words.map((wp, i) => {
    const colour = WORD_COLOURS[i % WORD_COLOURS.length];
    const xs = wp.points.map((p) => p[0] * w);
    const ys = wp.points.map((p) => p[1] * h);
    const box =
      xs.length >= 2
        ? `<rect x="${Math.min(...xs).toFixed(1)}" y="${Math.min(...ys).toFixed(1)}" width="${(Math.max(...xs) - Math.min(...xs)).toFixed(1)}" height="${(Math.max(...ys) - Math.min(...ys)).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="4 2"/>`
        : '';
    const dots = xs.map((x, k) => `<circle cx="${x.toFixed(1)}" cy="${ys[k].toFixed(1)}" r="3" fill="${colour}" stroke="#fff" stroke-width="1"/>`).join('');
    return `<g class="word"><title>${escapeHtml(wp.word)}</title>${box}${dots}</g>`;
  });
  return `<svg class="word-points" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" aria-label="predicted word points">${parts.join('')}</svg>`;
}

function captionHtml(s: ReportSample): string {
  if (!s.words?.length) return escapeHtml(s.caption || '(empty caption)');
  return s.words.map((w, i) => `<span class="word" style="color:${WORD_COLOURS[i % WORD_COLOURS.length]}">${escapeHtml(w.word)}</span>`).join(' ');
}

/**
 * Renders the image grid: one `<figure class="sample">` per sample with the image as an embedded
 * PNG data URI, the predicted word points/boxes drawn over it as inline SVG (same colour as the word
 * in the caption), the generated caption and the reference caption.
 */
export async function renderImageGrid(samples: readonly ReportSample[], options: ImageGridOptions = {}): Promise<string> {
  const size = options.cellSize ?? 192;
  const cells = await Promise.all(
    samples.map(async (s, i) => {
      const uri = await imageDataUri(s.image, size);
      const h = Math.round((size * s.image.height) / s.image.width);
      return [
        `<figure class="sample" id="sample-${i}">`,
        `<div class="frame" style="width:${size}px;height:${h}px"><img src="${uri}" width="${size}" height="${h}" alt="test image ${i}">${s.words?.length ? overlay(s.words, size, h) : ''}</div>`,
        `<figcaption><div class="generated">${captionHtml(s)}</div>${s.reference ? `<div class="reference">reference: ${escapeHtml(s.reference)}</div>` : ''}</figcaption>`,
        '</figure>',
      ].join('');
    }),
  );
  return `<div class="grid">${cells.join('\n')}</div>`;
}
