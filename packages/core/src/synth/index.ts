export { createShapesWorld, generateShapesSample, type ShapesWorld, type ShapesWorldOptions } from './shapes-world.js';
export { writeShapesWorld, type WriteShapesWorldOptions, type WriteShapesWorldResult } from './write-shapes-world.js';
export { createTextCorpus, type TextCorpusOptions } from './text-corpus.js';
export { shapesTokenizer } from './shapes-tokenizer.js';
export { popularObjects, popeQuestion } from './questions.js';
export { summariseTrace, traceAt } from './trace.js';
export {
  COLOUR_RGB,
  COLOURS,
  SHAPES,
  SIZES,
  shapesObjectVocabulary,
  type ColourName,
  type ShapeName,
  type SizeName,
} from './vocabulary.js';
export type * from './types.js';
