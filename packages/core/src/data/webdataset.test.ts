import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { solidPngBytes } from './test-helpers.js';
import { expandShardPattern, splitMemberName } from './webdataset-shards.js';
import { BatchStream } from './batch-stream.js';
import { webDataset, type WebDatasetSample } from './webdataset.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-wds-'));

/** Packs members into a tar with tar-stream's pack side and returns the bytes. */
async function packTar(members: { name: string; data: Buffer | string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const m of members) pack.entry({ name: m.name }, m.data);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Shard s holds samples s*4 .. s*4+3: a PNG of grey level n, a caption, a JSON and a class. */
async function writeShards(count: number): Promise<void> {
  for (let s = 0; s < count; s++) {
    const members = [];
    for (let k = 0; k < 4; k++) {
      const n = s * 4 + k;
      const key = `sample${String(n).padStart(4, '0')}`;
      members.push({ name: `${key}.png`, data: await solidPngBytes([n, n, n], 3, 3) });
      members.push({ name: `${key}.txt`, data: `caption ${n}\n` });
      members.push({ name: `${key}.json`, data: JSON.stringify({ n, tags: ['t'] }) });
      members.push({ name: `${key}.cls`, data: String(n % 3) });
      members.push({ name: `${key}.seg.png`, data: Buffer.from([1, 2]) });
    }
    writeFileSync(join(dir, `shard-${String(s).padStart(3, '0')}.tar`), await packTar(members));
  }
}

async function collect(it: AsyncIterable<WebDatasetSample>): Promise<WebDatasetSample[]> {
  const out: WebDatasetSample[] = [];
  for await (const s of it) out.push(s);
  return out;
}
const ns = (samples: WebDatasetSample[]) => samples.map((s) => s.n as number);

describe('webDataset', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    await writeShards(4);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('expands braces and splits member names like WebDataset', () => {
    expect(expandShardPattern('d/shard-{000..002}.tar')).toEqual(['d/shard-000.tar', 'd/shard-001.tar', 'd/shard-002.tar']);
    expect(expandShardPattern(['a-{x,y}.tar', 'b.tar'])).toEqual(['a-x.tar', 'a-y.tar', 'b.tar']);
    expect(splitMemberName('dir/a.b/key1.seg.PNG')).toEqual({ key: 'dir/a.b/key1', ext: 'seg.png' });
    expect(splitMemberName('README')).toBeUndefined();
  });

  it('streams samples grouped by key with image, caption, json, class and extra files', async () => {
    const ds = webDataset(join(dir, 'shard-{000..003}.tar'), { imageSize: 2 });
    const samples = await collect(ds.iterate(0));
    expect(ns(samples)).toEqual([...Array(16).keys()]);
    const s5 = samples[5];
    expect(s5).toMatchObject({ id: 'sample0005', captions: ['caption 5'], n: 5, tags: ['t'], label: 2, meta: { shard: join(dir, 'shard-001.tar'), key: 'sample0005' } });
    expect(s5.image).toMatchObject({ width: 2, height: 2 });
    expect([...s5.image!.data]).toEqual(Array(12).fill(5));
    expect([...s5.files!['seg.png']]).toEqual([1, 2]);
  });

  it('shuffles with a seeded buffer: a permutation, repeatable, different per epoch', async () => {
    const ds = webDataset(join(dir, 'shard-{000..003}.tar'), { shuffle: 5, seed: 3, decodeImages: false });
    const e0 = ns(await collect(ds.iterate(0)));
    expect([...e0].sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    expect(e0).not.toEqual([...Array(16).keys()]);
    expect(ns(await collect(ds.iterate(0)))).toEqual(e0);
    expect(ns(await collect(ds.iterate(1)))).not.toEqual(e0);
    // skip resumes the same order without decoding the skipped samples.
    expect(ns(await collect(ds.iterate(0, { skip: 6 })))).toEqual(e0.slice(6));
  });

  it('splits shards disjointly over ranks and workers', async () => {
    const seen: number[][] = [];
    for (let rank = 0; rank < 2; rank++) {
      for (let workerId = 0; workerId < 2; workerId++) {
        const ds = webDataset(join(dir, 'shard-{000..003}.tar'), { rank, worldSize: 2, workerId, numWorkers: 2, shuffle: 3, seed: 1, decodeImages: false });
        expect(ds.shardsFor(0)).toHaveLength(1);
        seen.push(ns(await collect(ds.iterate(0))));
      }
    }
    expect(seen.flat().sort((a, b) => a - b)).toEqual([...Array(16).keys()]);
    expect(() => webDataset(join(dir, 'shard-{000..003}.tar'), { worldSize: 5 })).toThrow(/4 shard\(s\) cannot be split over 5 workers/);
  });

  it('resampled mode draws shards with replacement, seeded, with samplesPerEpoch', async () => {
    const opts = { resampled: true, samplesPerEpoch: 12, seed: 9, decodeImages: false, worldSize: 8, rank: 3 };
    const ds = webDataset(join(dir, 'shard-{000..003}.tar'), opts);
    const a = ns(await collect(ds.iterate(0)));
    expect(a).toHaveLength(12);
    // Whole shards are read in order: every run of 4 is one shard's samples.
    for (let k = 0; k < 12; k += 4) expect(a.slice(k, k + 4)).toEqual([0, 1, 2, 3].map((j) => a[k] + j));
    expect(ns(await collect(webDataset(join(dir, 'shard-{000..003}.tar'), opts).iterate(0)))).toEqual(a);
    const other = ns(await collect(webDataset(join(dir, 'shard-{000..003}.tar'), { ...opts, rank: 4 }).iterate(0)));
    expect(other).toHaveLength(12);
  });

  it('BatchStream over shards resumes exactly from a saved state', async () => {
    const make = () => webDataset(join(dir, 'shard-{000..003}.tar'), { shuffle: 6, seed: 2, imageSize: 2 });
    const ref = new BatchStream(make(), { batchSize: 5 });
    const reference: number[][] = [];
    for (let k = 0; k < 6; k++) reference.push(ns((await ref.next()) as WebDatasetSample[]));
    expect(reference[3]).toHaveLength(1); // 16 = 5 + 5 + 5 + 1, then epoch 1
    const a = new BatchStream(make(), { batchSize: 5, prefetch: 1 });
    await a.next();
    await a.next();
    const saved = a.state();
    expect(saved).toMatchObject({ kind: 'streaming', epoch: 0, offset: 10 });
    const b = new BatchStream(make(), { batchSize: 5 });
    b.restore(saved);
    const resumed: number[][] = [];
    for (let k = 2; k < 6; k++) resumed.push(ns((await b.next()) as WebDatasetSample[]));
    expect(resumed).toEqual(reference.slice(2));
  });

  it('names the shard when it is truncated, missing or has a bad image', async () => {
    const full = readFileSync(join(dir, 'shard-000.tar'));
    // Cut inside a member's data.
    writeFileSync(join(dir, 'cut-mid.tar'), full.subarray(0, 1000));
    await expect(collect(webDataset(join(dir, 'cut-mid.tar')).iterate(0))).rejects.toThrow(`WebDataset shard ${join(dir, 'cut-mid.tar')} is truncated`);
    // Cut exactly at a member boundary (a multiple of 512, no end marker).
    writeFileSync(join(dir, 'cut-edge.tar'), full.subarray(0, 2048));
    await expect(collect(webDataset(join(dir, 'cut-edge.tar')).iterate(0))).rejects.toThrow(/cut-edge\.tar is truncated or not a tar file: the end-of-archive marker/);
    // A corrupt member header inside an otherwise complete archive.
    const corrupt = Buffer.from(full);
    corrupt[1024 + 148] ^= 0x55; // the second header's checksum field
    writeFileSync(join(dir, 'corrupt.tar'), corrupt);
    await expect(collect(webDataset(join(dir, 'corrupt.tar'), { decodeImages: false }).iterate(0))).rejects.toThrow(
      `WebDataset shard ${join(dir, 'corrupt.tar')} is truncated or corrupt`,
    );
    // gzip-compressed: fine whole, clear error when truncated.
    writeFileSync(join(dir, 'z.tar.gz'), gzipSync(full));
    expect(await collect(webDataset(join(dir, 'z.tar.gz'), { decodeImages: false }).iterate(0))).toHaveLength(4);
    writeFileSync(join(dir, 'zcut.tar.gz'), gzipSync(full).subarray(0, 300));
    await expect(collect(webDataset(join(dir, 'zcut.tar.gz')).iterate(0))).rejects.toThrow(/zcut\.tar\.gz is truncated or corrupt/);
    await expect(collect(webDataset(join(dir, 'nope-{1..2}.tar')).iterate(0))).rejects.toThrow(`WebDataset shard not found: ${join(dir, 'nope-1.tar')}`);
    writeFileSync(join(dir, 'badimg.tar'), await packTar([{ name: 'k1.jpg', data: 'not a jpeg' }, { name: 'k2.png', data: await solidPngBytes([1, 1, 1]) }]));
    await expect(collect(webDataset(join(dir, 'badimg.tar')).iterate(0))).rejects.toThrow(`Cannot decode image ${join(dir, 'badimg.tar')}:k1.jpg`);
    const lenient = webDataset(join(dir, 'badimg.tar'), { onError: 'skip' });
    const out = await collect(lenient.iterate(0));
    expect(out.map((s) => [s.id, s.imageError !== undefined])).toEqual([
      ['k1', true],
      ['k2', false],
    ]);
    expect(lenient.skippedImages).toBe(1);
  });
});
