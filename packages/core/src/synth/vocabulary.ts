/**
 * The closed vocabulary of the shapes world: shapes, colours, sizes, their synonyms and prior
 * frequencies. Everything the generator says comes from here, so the shapes tokenizer can be
 * built from it alone.
 */

/** Shape names (canonical, singular). */
export const SHAPES = ['circle', 'square', 'triangle', 'star', 'cross', 'diamond', 'heart'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** Colour names. */
export const COLOURS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'pink', 'white'] as const;
export type ColourName = (typeof COLOURS)[number];

/** Object sizes. */
export const SIZES = ['small', 'large'] as const;
export type SizeName = (typeof SIZES)[number];

/** RGB of each colour; interior pixels of an object have exactly this value. */
export const COLOUR_RGB: Readonly<Record<ColourName, readonly [number, number, number]>> = {
  red: [220, 40, 40],
  blue: [40, 90, 225],
  green: [40, 175, 70],
  yellow: [240, 215, 40],
  purple: [140, 60, 185],
  orange: [245, 140, 30],
  pink: [245, 150, 200],
  white: [240, 240, 240],
};

/**
 * Prior frequencies. They are deliberately skewed so that POPE's "popular" negatives (the most
 * frequent objects) differ from random ones, as in COCO.
 */
export const SHAPE_PRIOR: Readonly<Record<ShapeName, number>> = {
  circle: 0.22,
  square: 0.2,
  triangle: 0.16,
  star: 0.13,
  cross: 0.11,
  diamond: 0.1,
  heart: 0.08,
};
export const COLOUR_PRIOR: Readonly<Record<ColourName, number>> = {
  red: 0.2,
  blue: 0.18,
  green: 0.16,
  yellow: 0.13,
  purple: 0.1,
  orange: 0.09,
  pink: 0.08,
  white: 0.06,
};

/**
 * Shapes that tend to appear together (like fork and knife in COCO); the generator prefers them
 * for later objects, and POPE's adversarial negatives use them.
 */
export const SHAPE_PARTNER: Readonly<Record<ShapeName, ShapeName>> = {
  circle: 'square',
  square: 'circle',
  triangle: 'star',
  star: 'triangle',
  cross: 'diamond',
  diamond: 'cross',
  heart: 'star',
};

/** Singular synonyms (first is canonical) and matching plurals, per shape. */
const SHAPE_WORDS: Readonly<Record<ShapeName, { singular: string[]; plural: string[] }>> = {
  circle: { singular: ['circle', 'disc'], plural: ['circles', 'discs'] },
  square: { singular: ['square', 'box'], plural: ['squares', 'boxes'] },
  triangle: { singular: ['triangle'], plural: ['triangles'] },
  star: { singular: ['star'], plural: ['stars'] },
  cross: { singular: ['cross', 'plus'], plural: ['crosses', 'pluses'] },
  diamond: { singular: ['diamond', 'rhombus'], plural: ['diamonds', 'rhombuses'] },
  heart: { singular: ['heart'], plural: ['hearts'] },
};

/** Singular words that may name `shape` in a caption (canonical first). */
export function shapeSynonyms(shape: ShapeName): readonly string[] {
  return SHAPE_WORDS[shape].singular;
}

/**
 * The CHAIR object vocabulary: canonical object word -> every word that mentions it (synonyms
 * and plurals, canonical word included).
 *
 * CHAIR objects are SHAPES, not colour+shape: a caption that says "a blue circle" for a red
 * circle mentions a circle that is present, so it is not a CHAIR hallucination. This mirrors COCO
 * CHAIR, whose objects are categories with synonyms ("a brown dog" for a black dog still counts
 * as dog). Colour errors are measured by POPE (which asks about colour+shape) instead.
 */
export function shapesObjectVocabulary(): Record<ShapeName, string[]> {
  const out = {} as Record<ShapeName, string[]>;
  for (const s of SHAPES) out[s] = [...SHAPE_WORDS[s].singular, ...SHAPE_WORDS[s].plural];
  return out;
}

/** Count words used in captions ("there are three shapes"); index = count. */
export const COUNT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** The largest `maxObjects` the grammar can count. */
export const MAX_OBJECTS_LIMIT = COUNT_WORDS.length - 1;

/** Spatial relations between two objects, each a short phrase of single-token words. */
export const RELATIONS = {
  left: ['left', 'of'],
  right: ['right', 'of'],
  above: ['above'],
  below: ['below'],
} as const;
export type RelationName = keyof typeof RELATIONS;

/** Longer spellings used in caption variants. */
export const RELATIONS_LONG: Readonly<Record<RelationName, readonly string[]>> = {
  left: ['to', 'the', 'left', 'of'],
  right: ['to', 'the', 'right', 'of'],
  above: ['above'],
  below: ['below'],
};

/**
 * Image-irrelevant filler (the CAL setting): phrases that say nothing about the picture. A model
 * can predict them without looking, so their tokens are flagged `isVisual: false`.
 */
export const FILLER_PREFIXES = [
  'in this picture we can see',
  'in this image i can see',
  'here we can see',
  'as we can see',
  'well',
] as const;
export const FILLER_INTERJECTIONS = [
  'i think',
  'as usual',
  'you know',
  'basically',
  'to be honest',
  'if i am not wrong',
  'of course',
  'it seems',
] as const;
export const FILLER_SUFFIXES = ['as usual', 'and that is all', 'i guess', 'more or less'] as const;
