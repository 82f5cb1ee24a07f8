import { describe, expect, it } from 'vitest';
import type { Dataset, Sample, StreamingDataset } from '../data/types.js';
import { DataStream } from './data-stream.js';

const ds: Dataset = { length: 5, get: (i) => ({ id: `s${i}` }), source: 'five' };
const streaming: StreamingDataset = {
  source: 'stream-of-3',
  async *iterate(epoch) {
    for (let i = 0; i < 3; i++) yield { id: `e${epoch}-${i}` } as Sample;
  },
};
const ids = (s: Sample[]) => s.map((x) => x.id);

describe('DataStream', () => {
  it('visits every sample once per epoch, reshuffled per epoch, and resumes exactly', async () => {
    const a = new DataStream(ds, { seed: 4 });
    const first = ids(await a.next(5));
    expect([...first].sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
    const b = new DataStream(ds, { seed: 4 });
    await b.next(3);
    const saved = b.getState();
    expect(saved).toEqual({ epoch: 0, position: 3 });
    const rest = ids(await b.next(7));
    const c = new DataStream(ds, { seed: 4 });
    await c.setState(saved);
    expect(ids(await c.next(7))).toEqual(rest);
    expect(rest.slice(0, 2)).toEqual(first.slice(3));
  });

  it('streams across epochs and restores a streaming position by re-iterating', async () => {
    const a = new DataStream(streaming, { seed: 0 });
    expect(ids(await a.next(4))).toEqual(['e0-0', 'e0-1', 'e0-2', 'e1-0']);
    const b = new DataStream(streaming, { seed: 0 });
    await b.setState(a.getState());
    expect(ids(await b.next(3))).toEqual(['e1-1', 'e1-2', 'e2-0']);
  });

  it('rejects empty datasets and bad states', async () => {
    expect(() => new DataStream({ length: 0, get: () => ({ id: 'x' }), source: 'empty.jsonl' }, { seed: 0 })).toThrow(/empty\.jsonl is empty/);
    const empty: StreamingDataset = { source: 'none', async *iterate() {} };
    await expect(new DataStream(empty, { seed: 0 }).next(1)).rejects.toThrow(/none yielded no samples/);
    await expect(new DataStream(ds, { seed: 0 }).setState({ epoch: -1, position: 0 })).rejects.toThrow(/epoch, position/);
  });
});
