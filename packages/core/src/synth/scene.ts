/**
 * Scene sampling: which objects, where. Rendering and language are elsewhere.
 */
import type { Rng } from './rng.js';
import type { ShapesSplit } from './types.js';
import {
  COLOUR_PRIOR,
  COLOURS,
  SHAPE_PARTNER,
  SHAPE_PRIOR,
  SHAPES,
  type ColourName,
  type ShapeName,
  type SizeName,
} from './vocabulary.js';

/** An object before rendering: integer pixel centre and half-size. */
export interface PlacedObject {
  shape: ShapeName;
  colour: ColourName;
  size: SizeName;
  cx: number;
  cy: number;
  half: number;
}

const SPLIT_RESIDUE: Record<ShapesSplit, number> = { train: 0, val: 1, test: 2 };
// Gap (pixels) kept between the squares that hold two shapes, so masks never touch.
const GAP = 2;

/** Half-size in pixels of a small / large object at this image size (even sizes, >= 2). */
export function halfSize(size: SizeName, imageSize: number): number {
  return Math.max(2, Math.round(imageSize * (size === 'small' ? 0.095 : 0.155)));
}

function sampleAttributes(rng: Rng, earlier: readonly PlacedObject[]): { shape: ShapeName; colour: ColourName } {
  const colour = rng.weighted(COLOURS, (c) => COLOUR_PRIOR[c]);
  if (earlier.length > 0) {
    const anchor = rng.pick(earlier);
    const r = rng.next();
    // Co-occurrence structure (see SHAPE_PARTNER): partners and same-shape-other-colour pairs are
    // common, which makes POPE's adversarial negatives genuinely tempting.
    if (r < 0.3) return { shape: SHAPE_PARTNER[anchor.shape], colour };
    if (r < 0.45) {
      const others = COLOURS.filter((c) => c !== anchor.colour);
      return { shape: anchor.shape, colour: rng.weighted(others, (c) => COLOUR_PRIOR[c]) };
    }
  }
  return { shape: rng.weighted(SHAPES, (s) => SHAPE_PRIOR[s]), colour };
}

function fits(o: { cx: number; cy: number; half: number }, others: readonly PlacedObject[], imageSize: number): boolean {
  if (o.cx - o.half < 1 || o.cy - o.half < 1 || o.cx + o.half > imageSize - 1 || o.cy + o.half > imageSize - 1) return false;
  for (const p of others) {
    const need = o.half + p.half + GAP;
    if (Math.abs(o.cx - p.cx) < need && Math.abs(o.cy - p.cy) < need) return false;
  }
  return true;
}

function tryPlace(rng: Rng, half: number, others: readonly PlacedObject[], imageSize: number): [number, number] | undefined {
  for (let attempt = 0; attempt < 200; attempt++) {
    const cx = rng.int(half + 1, imageSize - 1 - half);
    const cy = rng.int(half + 1, imageSize - 1 - half);
    if (fits({ cx, cy, half }, others, imageSize)) return [cx, cy];
  }
  return undefined;
}

/**
 * Makes the scene's position checksum sum(cx + cy) mod 3 equal the split's residue by nudging one
 * object by at most 2 pixels. Two scenes with the same objects in the same places have the same
 * checksum, so a train, a val and a test scene can never be identical - by construction, not by
 * luck of the hash.
 */
function stampSplit(objects: PlacedObject[], split: ShapesSplit, imageSize: number): boolean {
  const sum = objects.reduce((s, o) => s + o.cx + o.cy, 0);
  const need = (((SPLIT_RESIDUE[split] - sum) % 3) + 3) % 3;
  if (need === 0) return true;
  const shifts: [number, number][] = [];
  for (let d = 1; d <= 2; d++) {
    for (const [dx, dy] of [[d, 0], [0, d], [-d, 0], [0, -d], [d, d], [-d, -d], [d, -d], [-d, d]] as const) {
      if ((((dx + dy) % 3) + 3) % 3 === need) shifts.push([dx, dy]);
    }
  }
  for (let i = objects.length - 1; i >= 0; i--) {
    const o = objects[i];
    const others = objects.filter((_, j) => j !== i);
    for (const [dx, dy] of shifts) {
      const moved = { ...o, cx: o.cx + dx, cy: o.cy + dy };
      if (fits(moved, others, imageSize)) {
        objects[i] = moved;
        return true;
      }
    }
  }
  return false;
}

/**
 * Samples 1..maxObjects non-overlapping objects. An object that does not fit even when small is
 * dropped (only possible with many objects on a small canvas) unless that would leave fewer than
 * `minObjects`, in which case the whole layout is redrawn.
 */
export function sampleScene(
  rng: Rng,
  opts: { imageSize: number; minObjects: number; maxObjects: number; split: ShapesSplit },
): PlacedObject[] {
  for (let attempt = 0; attempt < 50; attempt++) {
    const n = rng.int(opts.minObjects, opts.maxObjects);
    const objects: PlacedObject[] = [];
    for (let k = 0; k < n; k++) {
      const { shape, colour } = sampleAttributes(rng, objects);
      let size: SizeName = rng.chance(0.5) ? 'small' : 'large';
      let pos = tryPlace(rng, halfSize(size, opts.imageSize), objects, opts.imageSize);
      if (!pos && size === 'large') {
        size = 'small';
        pos = tryPlace(rng, halfSize(size, opts.imageSize), objects, opts.imageSize);
      }
      if (pos) objects.push({ shape, colour, size, cx: pos[0], cy: pos[1], half: halfSize(size, opts.imageSize) });
    }
    if (objects.length >= opts.minObjects && stampSplit(objects, opts.split, opts.imageSize)) return objects;
  }
  throw new Error(
    `createShapesWorld: could not place ${opts.minObjects}..${opts.maxObjects} objects on a ${opts.imageSize}x${opts.imageSize} image; ` +
      'lower "minObjects"/"maxObjects" or raise "imageSize"',
  );
}
