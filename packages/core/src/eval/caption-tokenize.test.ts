import { describe, expect, it } from 'vitest';
import { tokenizeCaption } from './caption-tokenize.js';
import { metricFixtures } from './fixtures/metric-fixtures.js';

describe('tokenizeCaption', () => {
  it('follows the documented rules exactly as the Python reference applies them', () => {
    for (const c of metricFixtures.tokenizeCases) expect(tokenizeCaption(c.text), c.text).toEqual(c.tokens);
  });

  it('lower-cases, drops punctuation and splits clitics', () => {
    expect(tokenizeCaption("The Dog's ball, isn't it?")).toEqual(['the', 'dog', "'s", 'ball', 'is', "n't", 'it']);
  });
});
