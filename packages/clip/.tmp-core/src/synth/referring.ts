/**
 * Referring expressions: the shortest attribute description that matches exactly one object
 * ("the circle", "the red circle", "the small red circle"), with position words when objects are
 * identical ("the small red circle on the left", "the leftmost small red circle").
 */
import type { Box } from '../data/types.js';
import type { Rng } from './rng.js';
import type { PlacedObject } from './scene.js';
import type { ReferringExpression } from './types.js';

type Attr = 'size' | 'colour' | 'shape';
const ATTRIBUTE_SETS: Attr[][] = [['shape'], ['colour', 'shape'], ['size', 'shape'], ['size', 'colour', 'shape']];

function matches(a: PlacedObject, b: PlacedObject, attrs: readonly Attr[]): boolean {
  return attrs.every((k) => a[k] === b[k]);
}

function describe(o: PlacedObject, attrs: readonly Attr[]): string {
  return ['the', ...(['size', 'colour', 'shape'] as const).filter((k) => attrs.includes(k)).map((k) => o[k])].join(' ');
}

/** Position qualifier singling `i` out among `twins` (which include `i`), or undefined. */
function positionQualifier(objects: readonly PlacedObject[], i: number, twins: readonly number[]): { prefix?: string; suffix?: string } | undefined {
  const xs = twins.map((j) => objects[j].cx);
  const ys = twins.map((j) => objects[j].cy);
  const spreadX = Math.max(...xs) - Math.min(...xs);
  const spreadY = Math.max(...ys) - Math.min(...ys);
  const axis = spreadX >= spreadY ? 'x' : 'y';
  const coord = (j: number) => (axis === 'x' ? objects[j].cx : objects[j].cy);
  const others = twins.filter((j) => j !== i).map(coord);
  const isMin = others.every((c) => coord(i) < c);
  const isMax = others.every((c) => coord(i) > c);
  if (!isMin && !isMax) return undefined;
  const word = axis === 'x' ? (isMin ? 'left' : 'right') : isMin ? 'top' : 'bottom';
  if (twins.length === 2) return { suffix: axis === 'x' ? `on the ${word}` : `at the ${word}` };
  return { prefix: `${word}most` };
}

/**
 * One expression per object that can be singled out (an object among 3+ identical ones that is
 * not at an extreme is skipped). With probability 0.25 an extra attribute is added when one is
 * available (people over-specify).
 */
export function referringExpressions(objects: readonly PlacedObject[], boxes: readonly Box[], rng: Rng): ReferringExpression[] {
  const out: ReferringExpression[] = [];
  objects.forEach((o, i) => {
    const uniqueAt = ATTRIBUTE_SETS.findIndex((attrs) => objects.every((p, j) => j === i || !matches(o, p, attrs)));
    if (uniqueAt >= 0) {
      const level = uniqueAt < ATTRIBUTE_SETS.length - 1 && rng.chance(0.25) ? uniqueAt + 1 : uniqueAt;
      out.push({ expression: describe(o, ATTRIBUTE_SETS[level]), objectIndex: i, box: [...boxes[i]] as Box, kind: 'attribute' });
      return;
    }
    const full = ATTRIBUTE_SETS[ATTRIBUTE_SETS.length - 1];
    const twins = objects.map((_, j) => j).filter((j) => matches(o, objects[j], full));
    const q = positionQualifier(objects, i, twins);
    if (!q) return;
    const base = describe(o, full).slice('the '.length);
    const expression = q.prefix ? `the ${q.prefix} ${base}` : `the ${base} ${q.suffix}`;
    out.push({ expression, objectIndex: i, box: [...boxes[i]] as Box, kind: 'position' });
  });
  return out;
}
