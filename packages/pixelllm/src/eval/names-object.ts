import { COLOURS, shapesObjectVocabulary } from '@vlalign/core';

let shapeOfWord: Map<string, string> | undefined;
const colourWords = new Set<string>(COLOURS);

/**
 * Whether a caption's FIRST colour word and FIRST shape word (shape synonyms and plurals count:
 * "disc" is a circle) are the given object's. Judging the first mention, not any mention, is what
 * makes the whole-image prompt a fair baseline: a whole-image caption names every object, but it
 * starts with the prompted one only by chance (about 1 / #objects).
 */
export function captionNamesObject(caption: string, object: { colour: string; shape: string }): boolean {
  if (!shapeOfWord) {
    shapeOfWord = new Map();
    for (const [shape, words] of Object.entries(shapesObjectVocabulary())) for (const w of words) shapeOfWord.set(w, shape);
  }
  const words = caption.toLowerCase().split(/[^a-z]+/).filter(Boolean);
  const colour = words.find((w) => colourWords.has(w));
  const shapeWord = words.find((w) => shapeOfWord!.has(w));
  return colour === object.colour && shapeWord !== undefined && shapeOfWord.get(shapeWord) === object.shape;
}
