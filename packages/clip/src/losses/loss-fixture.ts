import fixture from '../fixtures/loss.fixture.json';

/** One case of `loss.fixture.json` (written by `make-loss-fixture.py` with PyTorch, float64). */
export interface LossFixtureCase {
  n: number;
  d: number;
  scale: number;
  bias?: number;
  imageFeatures: number[][];
  textFeatures: number[][];
  loss: number;
  gradImage: number[][];
  gradText: number[][];
  gradScale: number;
  gradBias?: number;
}

export const lossFixture = fixture as unknown as { torch: string; infonce: LossFixtureCase[]; siglip: LossFixtureCase[] };
