/**
 * POPE-style object probes ("is there a red circle in the image?"). POPE objects are colour +
 * shape pairs ("red circle"), so a model that sees the shapes but confuses colours is caught.
 *
 * Per image, up to 3 present objects are asked about ("yes"), and for each of POPE's three
 * negative-sampling splits as many absent objects ("no"):
 * - random: uniform over absent objects;
 * - popular: the absent objects with the highest generator prior (the split's frequency ranking,
 *   in expectation: the priors are what the generator samples from);
 * - adversarial: absent objects that co-occur with present ones: the same shape in another
 *   colour first, then the present shapes' partner shapes (see SHAPE_PARTNER) in present colours.
 * The positives are repeated in each split so every split is balanced 50/50, as in POPE.
 */
import { indefiniteArticle } from './captions.js';
import type { Rng } from './rng.js';
import type { PlacedObject } from './scene.js';
import type { ObjectQuestion } from './types.js';
import { COLOUR_PRIOR, COLOURS, SHAPE_PARTNER, SHAPE_PRIOR, SHAPES, type ColourName, type ShapeName } from './vocabulary.js';

const MAX_POSITIVES = 3;

/** The POPE question for an object name. */
export function popeQuestion(object: string): string {
  return `is there ${indefiniteArticle(object)} ${object} in the image?`;
}

interface Cat {
  colour: ColourName;
  shape: ShapeName;
  name: string;
  prior: number;
}

// Every colour+shape object, most popular first (ties by name).
const BY_PRIOR: readonly Cat[] = SHAPES.flatMap((shape) =>
  COLOURS.map((colour) => ({ colour, shape, name: `${colour} ${shape}`, prior: COLOUR_PRIOR[colour] * SHAPE_PRIOR[shape] })),
).sort((a, b) => b.prior - a.prior || (a.name < b.name ? -1 : 1));

/** The colour+shape objects ordered by prior frequency, most popular first. */
export function popularObjects(): string[] {
  return BY_PRIOR.map((c) => c.name);
}

export function objectQuestions(objects: readonly PlacedObject[], rng: Rng): ObjectQuestion[] {
  const present = new Set(objects.map((o) => `${o.colour} ${o.shape}`));
  const absent = BY_PRIOR.filter((c) => !present.has(c.name));
  const positives = rng.shuffle([...present]).slice(0, MAX_POSITIVES);
  const k = positives.length;

  const presentShapes = new Set(objects.map((o) => o.shape));
  const presentColours = new Set(objects.map((o) => o.colour));
  const partnerShapes = new Set(objects.map((o) => SHAPE_PARTNER[o.shape]));
  const adversarialScore = (c: Cat) =>
    (presentShapes.has(c.shape) ? 2 : 0) + (partnerShapes.has(c.shape) && presentColours.has(c.colour) ? 1 : 0);

  const negatives: Record<ObjectQuestion['kind'], string[]> = {
    random: rng.shuffle(absent).slice(0, k).map((c) => c.name),
    popular: absent.slice(0, k).map((c) => c.name),
    // Array.prototype.sort is stable, so ties keep the popularity order.
    adversarial: absent
      .map((c) => ({ c, score: adversarialScore(c) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map(({ c }) => c.name),
  };

  const out: ObjectQuestion[] = [];
  for (const kind of ['random', 'popular', 'adversarial'] as const) {
    const qs: ObjectQuestion[] = [
      ...positives.map((object) => ({ question: popeQuestion(object), answer: 'yes' as const, kind, object })),
      ...negatives[kind].map((object) => ({ question: popeQuestion(object), answer: 'no' as const, kind, object })),
    ];
    out.push(...rng.shuffle(qs));
  }
  return out;
}
