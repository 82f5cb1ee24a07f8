import type { Box, RgbImage, Sample } from '../data/types.js';
import type { ColourName, ShapeName, SizeName } from './vocabulary.js';

/** The three disjoint splits. */
export type ShapesSplit = 'train' | 'val' | 'test';

/** One object in a shapes-world scene. */
export interface ShapesObject {
  shape: ShapeName;
  colour: ColourName;
  size: SizeName;
  /** Tight box of the object's mask pixels, in pixels `[x0, y0, x1, y1]` (x1/y1 exclusive). */
  bbox: Box;
  /** The shape's placement centre in pixels (inside the shape, so its pixel has the object's colour). */
  centre: [number, number];
  /** `bbox` divided by the image size: values in [0, 1]. */
  bboxNorm: Box;
  /** `centre` divided by the image size. */
  centreNorm: [number, number];
}

/** A caption with image-irrelevant filler mixed in (CAL). */
export interface FillerCaption {
  text: string;
  /** Word-tokenizer tokens of `text` (see `wordTokenize`). */
  tokens: string[];
  /**
   * Per token: true for words that describe the image (shape, colour, size, position, relation
   * and count words); false for filler ("i think", "in this picture we can see") and for
   * function words and punctuation ("a", "and", ",").
   */
  isVisual: boolean[];
  /** Per token: true for tokens of the inserted filler phrases only. */
  isFiller: boolean[];
}

/** One point of the simulated mouse trace; x, y normalised to [0, 1], t in seconds. */
export interface TracePoint {
  x: number;
  y: number;
  t: number;
}

/** What a caption word says, which decides where the simulated mouse goes while it is spoken. */
export type WordRole =
  | 'article'
  | 'size'
  | 'colour'
  | 'shape'
  | 'position'
  | 'relation'
  | 'count'
  | 'function'
  | 'punct'
  | 'filler';

/**
 * A timed utterance of the narration (Localized Narratives' `timed_caption` entry): one word or a
 * short phrase, spoken from `start` to `end` seconds.
 */
export interface Utterance {
  text: string;
  start: number;
  end: number;
  /** Min/max of the trace sampled at 16 evenly spaced times in [start, end]; normalised. */
  box: Box;
  /** Time-averaged trace position over the utterance (trapezoid rule); normalised. */
  centre: [number, number];
  /** Index of the first word (token of `captions[0]`) of the utterance. */
  wordStart: number;
  /** One past the last word. */
  wordEnd: number;
}

/**
 * The per-word grounding target of `captions[0]` (PixelLLM): one entry per word-tokenizer token.
 * `box` is the trace box of the utterance containing the word, so the 2-point target is its
 * top-left `(box[0], box[1])` and bottom-right `(box[2], box[3])`. As in Localized Narratives,
 * words that are not about an object (articles, "and", commas, counts) still get the box of the
 * trace during their utterance: wherever the mouse happened to be.
 */
export interface WordTarget {
  word: string;
  /** Normalised `[x0, y0, x1, y1]`. */
  box: Box;
  /** The object the word is about (articles: the object they introduce), if any. */
  objectIndex?: number;
  role: WordRole;
  /** Index into `utterances`. */
  utterance: number;
}

/** An expression that picks out exactly one object. */
export interface ReferringExpression {
  expression: string;
  objectIndex: number;
  /** The object's `bboxNorm`. */
  box: Box;
  /** Whether attributes suffice or a position word was needed ("the red circle on the left"). */
  kind: 'attribute' | 'position';
}

/** A box prompt and the description of the object in it. */
export interface LocationPrompt {
  /** The object's `bboxNorm`. */
  box: Box;
  /** "a small red circle". */
  caption: string;
  objectIndex: number;
}

/** A POPE-style yes/no object probe. */
export interface ObjectQuestion {
  /** "is there a red circle in the image?" */
  question: string;
  answer: 'yes' | 'no';
  /** POPE's negative-sampling split this question belongs to (positives appear in every split). */
  kind: 'random' | 'popular' | 'adversarial';
  /** The object asked about: "red circle" (colour + shape). */
  object: string;
}

/** One sample of the shapes world. */
export interface ShapesSample extends Sample {
  id: string;
  image: RgbImage;
  objects: ShapesObject[];
  complexity: {
    /** Number of objects (LaVIT's token count should follow it). */
    objects: number;
    /** Fraction of pixels covered by objects (mask != 0). */
    foregroundArea: number;
  };
  /** H*W, row-major: object index + 1 where coverage >= 0.5, else 0. */
  foregroundMask: Uint8Array;
  /** >= 2 caption variants naming every object; `captions[0]` is the narrated training caption. */
  captions: string[];
  fillerCaption: FillerCaption;
  /** The simulated mouse trace narrating `captions[0]`. */
  trace: TracePoint[];
  utterances: Utterance[];
  wordTargets: WordTarget[];
  referring: ReferringExpression[];
  locationPrompts: LocationPrompt[];
  questions: ObjectQuestion[];
  /** Canonical CHAIR objects (shapes) present, sorted; see `shapesObjectVocabulary`. */
  chairObjects: string[];
}
