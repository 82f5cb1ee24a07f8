/**
 * Simulated Localized-Narratives narration of a caption: the speaker says it utterance by
 * utterance while the mouse dwells (circling, with Gaussian jitter) on what each utterance is
 * about and moves in straight lines between referents. Per utterance we keep what LN keeps
 * (PixelLLM's `build_ln_tfrecord`): the trace sampled at 16 evenly spaced times -> its box and
 * time-averaged centre. Each word's target is its utterance's box.
 *
 * Utterances are sometimes longer than one word ("left of", "a small", "three shapes"), so the
 * token <-> utterance mapping is not one-to-one, like LN's ASR segments.
 */
import type { Box } from '../data/types.js';
import type { Rng } from './rng.js';
import type { PlacedObject } from './scene.js';
import type { TracePoint, Utterance, WordTarget } from './types.js';
import type { Word } from './words.js';

const HZ = 50;
const SAMPLES_PER_UTTERANCE = 16;
const OBJECT_ROLES = new Set(['article', 'size', 'colour', 'shape', 'position']);

type Path = (t: number) => [number, number];
interface Segment {
  t0: number;
  t1: number;
  path: Path;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
const round3 = (v: number) => Math.round(v * 1e3) / 1e3;

function groupUtterances(words: readonly Word[], rng: Rng): [number, number][] {
  const groups: [number, number][] = [];
  let i = 0;
  while (i < words.length) {
    const w = words[i];
    let end = i + 1;
    const sameRun = (pred: (x: Word) => boolean) => {
      while (end < words.length && pred(words[end])) end++;
    };
    if (w.role === 'relation') sameRun((x) => x.role === 'relation');
    else if (w.role === 'position' && rng.chance(0.5)) sameRun((x) => x.role === 'position');
    else if (w.role === 'count' && rng.chance(0.5)) sameRun((x) => x.role === 'count');
    else if (w.role === 'article' && end < words.length && words[end].obj === w.obj && rng.chance(0.3)) end++;
    else if (w.role === 'filler' && rng.chance(0.5)) sameRun((x) => x.role === 'filler' && x.text !== ',');
    // Punctuation is not spoken: it rides on the utterance before it.
    while (end < words.length && words[end].role === 'punct') end++;
    if (w.role === 'punct' && groups.length > 0) groups[groups.length - 1][1] = end;
    else groups.push([i, end]);
    i = end;
  }
  return groups;
}

function ellipsePath(cx: number, cy: number, rx: number, ry: number, t0: number, rng: Rng, turnsPerSecond: number): Path {
  const phase = rng.next() * 2 * Math.PI;
  const dir = rng.chance(0.5) ? 1 : -1;
  const w = dir * 2 * Math.PI * turnsPerSecond;
  return (t) => [cx + rx * Math.cos(phase + w * (t - t0)), cy + ry * Math.sin(phase + w * (t - t0))];
}

/** Output of {@link narrate}. */
export interface Narration {
  trace: TracePoint[];
  utterances: Utterance[];
  wordTargets: WordTarget[];
}

/**
 * Narrates `words` (a caption's annotated tokens) over `objects` on an `imageSize` canvas.
 * Trace coordinates are normalised to [0, 1] and rounded to 4 decimals (t to 1 ms), and the
 * utterance boxes are computed from the rounded trace, so they can be recomputed from it exactly.
 */
export function narrate(words: readonly Word[], objects: readonly PlacedObject[], imageSize: number, rng: Rng): Narration {
  const S = imageSize;
  const sigma = (2 * S) / 64;
  const boxOf = (o: PlacedObject): Box => [o.cx - o.half, o.cy - o.half, o.cx + o.half, o.cy + o.half];
  const all: Box = [
    Math.min(...objects.map((o) => o.cx - o.half)),
    Math.min(...objects.map((o) => o.cy - o.half)),
    Math.max(...objects.map((o) => o.cx + o.half)),
    Math.max(...objects.map((o) => o.cy + o.half)),
  ];
  const groups = groupUtterances(words, rng);

  const segments: Segment[] = [];
  let t = 0;
  let last: [number, number] = [rng.next() * S, rng.next() * S];
  const slots: [number, number][] = [];
  for (const [a, b] of groups) {
    const head = words.slice(a, b).find((w) => w.role !== 'punct') ?? words[a];
    let duration = 0;
    for (let k = a; k < b; k++) duration += words[k].role === 'punct' ? 0.05 : 0.22 + 0.035 * words[k].text.length;
    duration *= 0.85 + 0.3 * rng.next();
    const gap = 0.06 + 0.1 * rng.next();
    const start = t + gap;
    const end = start + duration;

    let path: Path;
    if (OBJECT_ROLES.has(head.role) && head.obj !== undefined) {
      const [x0, y0, x1, y1] = boxOf(objects[head.obj]);
      path = ellipsePath((x0 + x1) / 2, (y0 + y1) / 2, ((x1 - x0) / 2) * 0.8, ((y1 - y0) / 2) * 0.8, start, rng, 1.2 + 0.8 * rng.next());
    } else if (head.role === 'relation' && head.obj !== undefined && head.obj2 !== undefined) {
      // A smear from the subject to the other object.
      const p = objects[head.obj];
      const q = objects[head.obj2];
      path = (tt) => {
        const f = (tt - start) / (end - start);
        return [p.cx + (q.cx - p.cx) * f, p.cy + (q.cy - p.cy) * f];
      };
    } else if (head.role === 'count') {
      // A sweep over everything being counted.
      path = ellipsePath((all[0] + all[2]) / 2, (all[1] + all[3]) / 2, (all[2] - all[0]) / 2, (all[3] - all[1]) / 2, start, rng, 0.8);
    } else {
      // Not about anything: the hand rests where it is.
      const rest = last;
      path = () => rest;
    }
    const from = last;
    const to = path(start);
    const moveStart = t;
    segments.push({
      t0: moveStart,
      t1: start,
      path: (tt) => {
        const f = (tt - moveStart) / gap;
        return [from[0] + (to[0] - from[0]) * f, from[1] + (to[1] - from[1]) * f];
      },
    });
    segments.push({ t0: start, t1: end, path });
    slots.push([start, end]);
    last = path(end);
    t = end;
  }

  const trace: TracePoint[] = [];
  const steps = Math.floor(t * HZ) + 1;
  let seg = 0;
  for (let k = 0; k <= steps; k++) {
    const tt = Math.min(k / HZ, t);
    while (seg < segments.length - 1 && tt > segments[seg].t1) seg++;
    const [px, py] = segments[seg].path(tt);
    const clamp = (v: number) => Math.max(0, Math.min(S, v));
    trace.push({ x: round4(clamp(px + sigma * rng.normal()) / S), y: round4(clamp(py + sigma * rng.normal()) / S), t: round3(tt) });
  }

  const utterances: Utterance[] = groups.map(([a, b], u) => {
    const [start, end] = slots[u];
    const { box, centre } = summariseTrace(trace, round3(start), round3(end));
    return {
      text: words.slice(a, b).map((w) => w.text).join(' '),
      start: round3(start),
      end: round3(end),
      box,
      centre,
      wordStart: a,
      wordEnd: b,
    };
  });

  const wordTargets: WordTarget[] = [];
  utterances.forEach((utt, u) => {
    for (let k = utt.wordStart; k < utt.wordEnd; k++) {
      const w = words[k];
      const target: WordTarget = { word: w.text, box: [...utt.box] as Box, role: w.role, utterance: u };
      if (w.obj !== undefined && w.role !== 'relation') target.objectIndex = w.obj;
      wordTargets.push(target);
    }
  });
  return { trace, utterances, wordTargets };
}

/** Linear interpolation of the trace at time t (clamped to the trace's time range). */
export function traceAt(trace: readonly TracePoint[], t: number): [number, number] {
  if (t <= trace[0].t) return [trace[0].x, trace[0].y];
  const lastPoint = trace[trace.length - 1];
  if (t >= lastPoint.t) return [lastPoint.x, lastPoint.y];
  let lo = 0;
  let hi = trace.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (trace[mid].t <= t) lo = mid;
    else hi = mid;
  }
  const a = trace[lo];
  const b = trace[hi];
  const f = b.t === a.t ? 0 : (t - a.t) / (b.t - a.t);
  return [a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f];
}

/**
 * LN/PixelLLM utterance summary: the trace at 16 evenly spaced times in [start, end]; box =
 * min/max of those samples, centre = trapezoid time-average. Values rounded to 4 decimals.
 */
export function summariseTrace(trace: readonly TracePoint[], start: number, end: number): { box: Box; centre: [number, number] } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < SAMPLES_PER_UTTERANCE; i++) {
    const [x, y] = traceAt(trace, start + ((end - start) * i) / (SAMPLES_PER_UTTERANCE - 1));
    xs.push(x);
    ys.push(y);
  }
  let sx = 0;
  let sy = 0;
  for (let i = 1; i < SAMPLES_PER_UTTERANCE; i++) {
    sx += (xs[i] + xs[i - 1]) / 2;
    sy += (ys[i] + ys[i - 1]) / 2;
  }
  const n = SAMPLES_PER_UTTERANCE - 1;
  return {
    box: [round4(Math.min(...xs)), round4(Math.min(...ys)), round4(Math.max(...xs)), round4(Math.max(...ys))],
    centre: [round4(sx / n), round4(sy / n)],
  };
}
