import { describe, expect, it } from 'vitest';
import { formatBaselineTable, metricsWithBaselines } from './baseline-table.js';

describe('metricsWithBaselines', () => {
  it('pairs each metric with its companion baseline and knows which direction is better', () => {
    const rows = metricsWithBaselines({
      'clip/zeroshot_top1': 0.5,
      'clip/zeroshot_top1_chance': 0.02,
      'pixelllm/point_l1': 0.2,
      'pixelllm/point_l1_centre_baseline': 0.15,
      'pixelllm/location_caption_accuracy': 0.9,
      'pixelllm/location_caption_accuracy_whole_image': 0.3,
      'cal/weight_visual': 1.6,
      'cal/weight_filler': 1.2,
      'cal/cider_d': 1.1,
      'pixelllm/images': 100,
    });
    const byName = Object.fromEntries(rows.map((r) => [r.metric, r]));
    expect(Object.keys(byName)).toEqual(['clip/zeroshot_top1', 'pixelllm/point_l1', 'pixelllm/location_caption_accuracy', 'cal/weight_visual', 'cal/cider_d']);
    expect(byName['clip/zeroshot_top1']).toMatchObject({ baseline: 0.02, beats: true, lowerIsBetter: false });
    expect(byName['pixelllm/point_l1']).toMatchObject({ baseline: 0.15, beats: false, lowerIsBetter: true });
    expect(byName['cal/weight_visual']).toMatchObject({ baseline: 1.2, baselineName: 'cal/weight_filler', beats: true });
    expect(byName['cal/cider_d'].baseline).toBeUndefined();
    const table = formatBaselineTable(rows);
    expect(table).toMatch(/pixelllm\/point_l1 +0\.2 +0\.15 \(centre_baseline\) +NO/);
  });
});
