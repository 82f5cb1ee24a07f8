import { describe, expect, it } from 'vitest';
import { denseCaptionRow, referringRow, locationCaptionRow } from './sample-rows.js';
import { pointsToBox, boxToPoints } from './box-points.js';
import { chooseRows, chooseRowsWithExtras } from '../plugin/choose-rows.js';
import { resolvePixelLlmOptions } from '../plugin/pixelllm-options.js';
import { tinyWorld, tokenizer } from '../testing/tiny-setup.js';
import { WHOLE_IMAGE_BOX } from '../prompt/location-prompt-encoder.js';

describe('rows built from shapes-world samples', () => {
  const s = tinyWorld('train', 4).get(0);

  it('dense captioning: whole-image prompt, one box per caption token, from wordTargets', () => {
    const row = denseCaptionRow(s, tokenizer);
    expect(row.prompt).toEqual(WHOLE_IMAGE_BOX);
    expect(row.text).toBe(s.captions[0]);
    expect(row.tokenBoxes).toHaveLength(tokenizer.encode(s.captions[0]).length);
    s.wordTargets.forEach((w, i) => expect(row.tokenBoxes![i]).toEqual(w.box));
    expect(row.tokenTags).toEqual(s.wordTargets.map((w) => w.role));
    const bare = denseCaptionRow({ id: 'x', captions: ['a red circle'] }, tokenizer);
    expect(bare.tokenBoxes).toBeUndefined();
  });

  it('referring: "where is <expression>", only the last token supervised, no caption loss', () => {
    const ref = s.referring[0];
    const row = referringRow(ref, tokenizer, 'where is');
    expect(row.text).toBe(`where is ${ref.expression}`);
    expect(row.captionLoss).toBe(false);
    const boxes = row.tokenBoxes!;
    expect(boxes[boxes.length - 1]).toEqual(ref.box);
    expect(boxes.slice(0, -1).every((b) => b === null)).toBe(true);
  });

  it('location captioning: the object box as prompt, its description as text', () => {
    const row = locationCaptionRow(s.locationPrompts[0]);
    expect(row).toEqual({ prompt: s.locationPrompts[0].box, text: s.locationPrompts[0].caption, captionLoss: true });
  });

  it('chooseRows mixes the tasks at about the requested fractions', () => {
    const samples = Array.from({ length: 4 }, (_, i) => tinyWorld('train', 4).get(i));
    let state = 7;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    const rows = Array.from({ length: 100 }, () => chooseRows(samples, tokenizer, { locationFraction: 0.3, referringFraction: 0.2, referringPrompt: 'where is' }, random)).flat();
    const loc = rows.filter((r) => r.captionLoss && !r.tokenBoxes).length / rows.length;
    const ref = rows.filter((r) => !r.captionLoss).length / rows.length;
    expect(loc).toBeGreaterThan(0.22);
    expect(loc).toBeLessThan(0.38);
    expect(ref).toBeGreaterThan(0.13);
    expect(ref).toBeLessThan(0.27);
  });

  it("chooseRowsWithExtras ('extra' mix): every sample's dense caption first, extra rows on top at about the fractions, each pointing at its sample", () => {
    const samples = Array.from({ length: 4 }, (_, i) => tinyWorld('train', 4).get(i));
    let state = 11;
    const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    let loc = 0;
    let ref = 0;
    for (let k = 0; k < 100; k++) {
      const { rows, sampleOf } = chooseRowsWithExtras(samples, tokenizer, { locationFraction: 0.3, referringFraction: 0.2, referringPrompt: 'where is' }, random);
      expect(rows.length).toBe(sampleOf.length);
      samples.forEach((s, i) => {
        expect(rows[i]).toEqual(denseCaptionRow(s, tokenizer));
        expect(sampleOf[i]).toBe(i);
      });
      rows.slice(samples.length).forEach((r, j) => {
        const s = samples[sampleOf[samples.length + j]];
        if (r.captionLoss) {
          loc++;
          expect(s.locationPrompts.map((p) => p.caption)).toContain(r.text);
        } else {
          ref++;
          expect(s.referring.map((x) => `where is ${x.expression}`)).toContain(r.text);
        }
      });
    }
    expect(loc / 400).toBeGreaterThan(0.22);
    expect(loc / 400).toBeLessThan(0.38);
    expect(ref / 400).toBeGreaterThan(0.13);
    expect(ref / 400).toBeLessThan(0.27);
  });

  it('box helpers: corners and the clamped min/max box', () => {
    expect(boxToPoints([0.1, 0.2, 0.3, 0.4])).toEqual([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    expect(pointsToBox([
      [0.6, -0.1],
      [0.2, 1.3],
    ])).toEqual([0.2, 0, 0.6, 1]);
  });

  it('options are validated with the field named', () => {
    expect(() => resolvePixelLlmOptions({ locationFraction: 0.8, referringFraction: 0.5 })).toThrow(/locationFraction \+ referringFraction/);
    expect(() => resolvePixelLlmOptions({ pointUnits: 'cm' as never })).toThrow(/pointUnits/);
    expect(() => resolvePixelLlmOptions({ bogus: 1 } as never)).toThrow(/bogus/);
    expect(() => resolvePixelLlmOptions({ taskRows: 'all' as never })).toThrow(/"taskRows" must be 'share' or 'extra'/);
    expect(resolvePixelLlmOptions({ taskRows: 'extra', locationFraction: 1, referringFraction: 0.5 }).locationFraction).toBe(1);
    expect(resolvePixelLlmOptions().taskRows).toBe('share');
    expect(resolvePixelLlmOptions().pointLossWeight).toBe(0.1);
  });
});
