/**
 * Text-only sentences about shapes, with no image: the language a model should keep when it is
 * aligned to images (PLoRA's forgetting test measures perplexity on these before and after).
 * Its sentences are built differently from the captions (facts, colour mixing, counting,
 * relation reasoning, drawing stories), so they test language retention rather than captioning.
 */
import { Rng } from './rng.js';
import { COLOURS, COUNT_WORDS, SHAPES, SIZES, type ShapeName } from './vocabulary.js';

/** Options for {@link createTextCorpus}. */
export interface TextCorpusOptions {
  seed: number;
  /** Number of sentences. */
  size: number;
}

const SHAPE_FACTS: Record<ShapeName, string[]> = {
  circle: ['a circle is round', 'a circle has no corners'],
  square: ['a square has four sides', 'a square has four corners', 'all sides of a square are equal'],
  triangle: ['a triangle has three sides', 'a triangle has three corners'],
  star: ['a star has five points', 'a star has ten sides'],
  cross: ['a cross has four arms', 'a cross has twelve sides'],
  diamond: ['a diamond has four sides', 'a diamond is a square turned on its corner'],
  heart: ['a heart has one point at the bottom', 'a heart is round at the top'],
};
const MIXES = ['red and yellow make orange', 'blue and yellow make green', 'red and blue make purple', 'red and white make pink'];
const OPPOSITE = { left: 'right', right: 'left', above: 'below', below: 'above' } as const;
const AGENTS = ['i', 'she', 'he', 'we', 'they', 'the child', 'my friend'];
const DRAW_VERBS = ['drew', 'painted', 'cut out', 'coloured'];

function plural(shape: ShapeName): string {
  return shape === 'cross' ? 'crosses' : `${shape}s`;
}

function sentence(rng: Rng): string {
  const shape = () => rng.pick(SHAPES);
  const colour = () => rng.pick(COLOURS);
  switch (rng.int(0, 5)) {
    case 0:
      return rng.pick(SHAPE_FACTS[shape()]);
    case 1:
      return rng.pick(MIXES);
    case 2: {
      const a = rng.int(1, 4);
      const b = rng.int(1, 9 - a);
      const s = shape();
      return `${COUNT_WORDS[a]} ${plural(s)} and ${COUNT_WORDS[b]} more ${plural(s)} make ${COUNT_WORDS[a + b]} ${plural(s)}`;
    }
    case 3: {
      const rel = rng.pick(['left', 'right', 'above', 'below'] as const);
      const [c1, c2] = [colour(), colour()];
      const [s1, s2] = [shape(), shape()];
      const relText = (r: string) => (r === 'left' || r === 'right' ? `${r} of` : r);
      return `if the ${c1} ${s1} is ${relText(rel)} the ${c2} ${s2}, then the ${c2} ${s2} is ${relText(OPPOSITE[rel])} the ${c1} ${s1}`;
    }
    case 4: {
      const s = shape();
      return `a ${SIZES[1]} ${s} is bigger than a ${SIZES[0]} ${s}`;
    }
    default: {
      const n = rng.int(1, 3);
      const things = Array.from({ length: n }, () => `a ${rng.pick(SIZES)} ${colour()} ${shape()}`);
      const list = n === 1 ? things[0] : `${things.slice(0, -1).join(', ')} and ${things[n - 1]}`;
      return `${rng.pick(AGENTS)} ${rng.pick(DRAW_VERBS)} ${list}`;
    }
  }
}

/**
 * `size` sentences; sentence i depends only on (seed, i), so corpora of different sizes with the
 * same seed share their prefix.
 */
export function createTextCorpus(options: TextCorpusOptions): string[] {
  const { seed, size } = options;
  if (!Number.isFinite(seed)) throw new Error(`createTextCorpus: option "seed" must be a finite number, got ${seed}`);
  if (!Number.isInteger(size) || size < 0) throw new Error(`createTextCorpus: option "size" must be an integer >= 0, got ${size}`);
  return Array.from({ length: size }, (_, i) => sentence(new Rng('text-corpus', seed, i)));
}

/** Every fixed phrase the corpus uses (for building the shapes tokenizer). */
export function textCorpusPhrases(): string[] {
  return [
    ...Object.values(SHAPE_FACTS).flat(),
    ...MIXES,
    ...AGENTS,
    ...DRAW_VERBS,
    ...SHAPES.map(plural),
    'and more make if the is then bigger than left right of above below',
  ];
}
