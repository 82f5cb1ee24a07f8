import { describe, expect, it } from 'vitest';
import { parsePopeAnswer, pope } from './pope.js';
import { closeTo, metricFixtures } from './fixtures/metric-fixtures.js';

describe('pope', () => {
  for (const c of metricFixtures.pope) {
    for (const parse of ['pope', 'prefix'] as const) {
      it(`matches the Python reference: ${c.name} (parse=${parse})`, () => {
        const got = pope(c.answers, c.labels, { parse }) as unknown as Record<string, unknown>;
        for (const [key, want] of Object.entries(c.expected[parse])) {
          if (typeof want === 'number') expect(closeTo(got[key] as number, want), key).toBe(true);
          else expect(got[key], key).toEqual(want);
        }
      });
    }
  }

  it('parses like the official eval_pope.py', () => {
    expect(parsePopeAnswer('No, there is not.')).toBe('no');
    expect(parsePopeAnswer('Yes. No.')).toBe('yes');
    expect(parsePopeAnswer('I do not see one')).toBe('no');
    expect(parsePopeAnswer('NO')).toBe('yes');
    expect(parsePopeAnswer('NO', 'prefix')).toBe('no');
  });

  it('computes the hand example', () => {
    const r = pope(['yes', 'yes', 'no', 'no'], ['yes', 'no', 'no', 'yes']);
    expect(r).toMatchObject({ tp: 1, fp: 1, tn: 1, fn: 1, accuracy: 0.5, precision: 0.5, recall: 0.5, f1: 0.5, yesRatio: 0.5 });
  });

  it('rejects bad input', () => {
    expect(() => pope(['yes'], ['yes', 'no'])).toThrow(/answers has 1 entries but labels has 2/);
    expect(() => pope(['yes'], ['Yes' as 'yes'])).toThrow(/labels\[0\] must be 'yes' or 'no'/);
    expect(() => pope([], [])).toThrow(/must not be empty/);
    expect(() => pope(['yes'], ['yes'], { parse: 'x' as 'pope' })).toThrow(/options.parse/);
  });
});
