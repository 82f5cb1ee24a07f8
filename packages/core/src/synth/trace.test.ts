import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { createShapesWorld } from './shapes-world.js';
import { summariseTrace, traceAt } from './trace.js';
import type { TracePoint } from './types.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('traceAt / summariseTrace', () => {
  it('interpolates linearly and clamps outside the trace', () => {
    const trace: TracePoint[] = [
      { x: 0, y: 1, t: 0 },
      { x: 1, y: 0, t: 1 },
      { x: 1, y: 1, t: 2 },
    ];
    expect(traceAt(trace, 0.25)).toEqual([0.25, 0.75]);
    expect(traceAt(trace, 1.5)).toEqual([1, 0.5]);
    expect(traceAt(trace, -1)).toEqual([0, 1]);
    expect(traceAt(trace, 5)).toEqual([1, 1]);
  });

  it('summarises an utterance as LN/PixelLLM do (hand-derived values)', () => {
    // x(t) = t, y(t) = 0.5 on [0, 1]: the 16 samples span x in [0, 1]; the trapezoid average is 0.5.
    const line: TracePoint[] = [
      { x: 0, y: 0.5, t: 0 },
      { x: 1, y: 0.5, t: 1 },
    ];
    expect(summariseTrace(line, 0, 1)).toEqual({ box: [0, 0.5, 1, 0.5], centre: [0.5, 0.5] });
    // Over [0.2, 0.6] of a trace that goes up to x = 1 at t = 0.5 then back to 0 at t = 1:
    // samples reach the peak only if one lands on t = 0.5; with 16 samples over [0.2, 0.6],
    // t_i = 0.2 + 0.4 i / 15, none does; the nearest are i = 11 (t = 0.49333, x = 0.98667) and
    // i = 12 (t = 0.52, x = 0.96). Min x is at t = 0.2 (x = 0.4) and t = 0.6 (x = 0.8) -> 0.4.
    const peak: TracePoint[] = [
      { x: 0, y: 0, t: 0 },
      { x: 1, y: 0, t: 0.5 },
      { x: 0, y: 0, t: 1 },
    ];
    const { box } = summariseTrace(peak, 0.2, 0.6);
    expect(box[0]).toBeCloseTo(0.4, 4);
    expect(box[2]).toBeCloseTo(0.9867, 4);
  });

  it('stores utterance boxes that can be recomputed from the stored trace', () => {
    const s = createShapesWorld({ seed: 4, size: 3, split: 'val' }).get(2);
    for (const u of s.utterances) {
      const again = summariseTrace(s.trace, u.start, u.end);
      expect(again.box).toEqual(u.box);
      expect(again.centre).toEqual(u.centre);
      expect(u.box[0]).toBeLessThanOrEqual(u.centre[0]);
      expect(u.centre[0]).toBeLessThanOrEqual(u.box[2]);
    }
    // Multi-word utterances exist, so token <-> utterance is not one-to-one.
    const world = createShapesWorld({ seed: 4, size: 20, split: 'val' });
    const multi = Array.from({ length: 20 }, (_, i) => world.get(i)).some((x) => x.utterances.some((u) => u.wordEnd - u.wordStart > 1));
    expect(multi).toBe(true);
  });
});
