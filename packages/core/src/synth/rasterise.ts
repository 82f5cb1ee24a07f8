/**
 * A tiny pure-TypeScript rasteriser for the shapes world: each shape is an inside test in unit
 * coordinates ([-1, 1]^2, y down), sampled 2x2 per pixel for anti-aliased edges.
 */
import type { Box } from '../data/types.js';
import type { Rng } from './rng.js';
import type { ShapeName } from './vocabulary.js';

type Inside = (x: number, y: number) => boolean;

function regularStar(points: number, inner: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < points * 2; i++) {
    const r = i % 2 === 0 ? 1 : inner;
    const a = -Math.PI / 2 + (i * Math.PI) / points;
    out.push([r * Math.cos(a), r * Math.sin(a)]);
  }
  return out;
}

function insidePolygon(poly: readonly [number, number][]): Inside {
  const n = poly.length;
  const px = Float64Array.from(poly, (p) => p[0]);
  const py = Float64Array.from(poly, (p) => p[1]);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, px[i]);
    maxX = Math.max(maxX, px[i]);
    minY = Math.min(minY, py[i]);
    maxY = Math.max(maxY, py[i]);
  }
  return (x, y) => {
    if (x < minX || x > maxX || y < minY || y > maxY) return false;
    let inside = false;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const yi = py[i];
      const yj = py[j];
      if (yi > y !== yj > y && x < ((px[j] - px[i]) * (y - yi)) / (yj - yi) + px[i]) inside = !inside;
    }
    return inside;
  };
}

// The star is shifted down a little so its 5 points fill the unit box evenly (its outline spans
// y in [-1, 0.81] before the shift).
const STAR = regularStar(5, 0.45).map(([x, y]) => [x, y + 0.09] as [number, number]);

const INSIDE: Record<ShapeName, Inside> = {
  circle: (x, y) => x * x + y * y <= 1,
  square: (x, y) => Math.abs(x) <= 0.9 && Math.abs(y) <= 0.9,
  triangle: (x, y) => y <= 0.9 && Math.abs(x) <= (y + 1) / 1.9,
  star: insidePolygon(STAR),
  cross: (x, y) => {
    const ax = Math.abs(x);
    const ay = Math.abs(y);
    return (ax <= 1 && ay <= 0.34) || (ax <= 0.34 && ay <= 1);
  },
  diamond: (x, y) => Math.abs(x) + Math.abs(y) <= 1,
  heart: (x, y) => {
    // The classic implicit heart (X^2 + Y^2 - 1)^3 - X^2 Y^3 <= 0, flipped to y-down and scaled
    // to fit the unit box.
    const X = x * 1.14;
    const Y = -y * 1.12 + 0.1;
    const q = X * X + Y * Y - 1;
    return q * q * q - X * X * Y * Y * Y <= 0;
  },
};

/** Background style. */
export type BackgroundStyle = 'plain' | 'textured';

/** Fills `data` (HWC RGB) with a dark neutral background, optionally lightly textured. */
export function paintBackground(data: Uint8Array, size: number, style: BackgroundStyle, rng: Rng): void {
  const base = rng.int(22, 70);
  const tint = [rng.int(-6, 6), rng.int(-6, 6), rng.int(-6, 6)];
  if (style === 'plain') {
    const r = base + tint[0];
    const g = base + tint[1];
    const b = base + tint[2];
    for (let i = 0; i < data.length; i += 3) {
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
    return;
  }
  // Lightly textured: a soft diagonal wave plus per-pixel noise, at most about +-14 levels, so
  // objects stay the only saturated pixels.
  const fx = (rng.next() * 2 + 1) * ((2 * Math.PI) / size);
  const fy = (rng.next() * 2 + 1) * ((2 * Math.PI) / size);
  const phase = rng.next() * 2 * Math.PI;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const wave = 8 * Math.sin(fx * x + fy * y + phase);
      const noise = rng.int(-5, 5);
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = Math.max(0, Math.min(255, Math.round(base + tint[c] + wave + noise)));
    }
  }
}

/**
 * Draws one shape centred at (cx, cy) with half-size `half` (pixels), blending its colour over
 * what is there by 2x2 coverage. Writes `maskValue` into `mask` where coverage >= 1/2 and returns
 * the tight box of those mask pixels.
 */
export function drawShape(
  data: Uint8Array,
  mask: Uint8Array,
  size: number,
  shape: ShapeName,
  cx: number,
  cy: number,
  half: number,
  rgb: readonly [number, number, number],
  maskValue: number,
): Box {
  const inside = INSIDE[shape];
  const x0 = Math.max(0, Math.floor(cx - half) - 1);
  const x1 = Math.min(size, Math.ceil(cx + half) + 1);
  const y0 = Math.max(0, Math.floor(cy - half) - 1);
  const y1 = Math.min(size, Math.ceil(cy + half) + 1);
  const box: Box = [size, size, 0, 0];
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      let hits = 0;
      for (let sy = 0; sy < 2; sy++) {
        const uy = (py + 0.25 + sy * 0.5 - cy) / half;
        for (let sx = 0; sx < 2; sx++) {
          if (inside((px + 0.25 + sx * 0.5 - cx) / half, uy)) hits++;
        }
      }
      if (hits === 0) continue;
      const o = (py * size + px) * 3;
      const a = hits / 4;
      for (let c = 0; c < 3; c++) data[o + c] = Math.round(data[o + c] * (1 - a) + rgb[c] * a);
      if (hits >= 2) {
        mask[py * size + px] = maskValue;
        if (px < box[0]) box[0] = px;
        if (py < box[1]) box[1] = py;
        if (px + 1 > box[2]) box[2] = px + 1;
        if (py + 1 > box[3]) box[3] = py + 1;
      }
    }
  }
  return box;
}
