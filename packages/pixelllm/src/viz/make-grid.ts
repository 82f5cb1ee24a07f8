import sharp from 'sharp';

/** Options of {@link makeGrid}. */
export interface MakeGridOptions {
  /** Images per row. Default: ceil(sqrt(n)). */
  columns?: number;
  /** Gap between cells in pixels. Default 4. */
  gap?: number;
  /** Background colour. Default white. */
  background?: string;
}

/**
 * Tiles images (PNG or any format sharp reads, e.g. the output of `drawWordPoints`) into one PNG,
 * row-major, each in a cell as large as the largest image.
 * @returns PNG bytes.
 */
export async function makeGrid(images: readonly Buffer[], options: MakeGridOptions = {}): Promise<Buffer> {
  if (images.length === 0) throw new Error('makeGrid: got no images');
  const columns = options.columns ?? Math.ceil(Math.sqrt(images.length));
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`makeGrid: columns must be a positive integer, got ${columns}`);
  const gap = options.gap ?? 4;
  const metas = await Promise.all(images.map((b) => sharp(b).metadata()));
  const cellW = Math.max(...metas.map((m) => m.width ?? 0));
  const cellH = Math.max(...metas.map((m) => m.height ?? 0));
  const rows = Math.ceil(images.length / columns);
  const width = columns * cellW + (columns + 1) * gap;
  const height = rows * cellH + (rows + 1) * gap;
  return sharp({ create: { width, height, channels: 3, background: options.background ?? '#ffffff' } })
    .composite(images.map((input, i) => ({ input, left: gap + (i % columns) * (cellW + gap), top: gap + Math.floor(i / columns) * (cellH + gap) })))
    .png()
    .toBuffer();
}
