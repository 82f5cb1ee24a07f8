import { POOL_WASM_BASE64 } from './wasm-kernel-bytes.js';

/** Micro-tile rows of gemm.c: row splits between threads are multiples of it. */
const MR = 4;
/** Micro-tile columns of gemm.c (the packed B panel width). */
const NR = 8;
/** Per-thread MR x NR output tiles live here, above the linker's 64 KiB stack the kernel never uses. */
const TILES = 1 << 17;
const TILE_BYTES = 256;
const MAX_THREADS = 64;
/** First byte of the operands (room for every thread's tile below it). */
const BASE = TILES + MAX_THREADS * TILE_BYTES;
const PAGE = 65536;
// Control block (Int32): [seq, next, chunks done, chunk count, 11 shared gemm arguments, then
// (b0, b1, i0, i1, p0, p1) per chunk: batches, rows, column panels]. Threads claim chunks by
// compare-exchange on `next` = (job tag << 16 | chunk index), so a thread that wakes late simply
// claims fewer (a wake-up delay never stalls the product), and one still finishing an older job
// can never claim a chunk of the next (its tag no longer matches).
const SEQ = 0;
const NEXT = 1;
const DONE = 2;
const COUNT = 3;
const ARGS = 4;
// 11 shared arguments (n, k, a, sa, ar, ak, packed, sb, c, sc, bias); each thread adds its own tile.
const CHUNKS = ARGS + 11;
const MAX_CHUNKS = 64;
const CHUNK_INTS = 6;
/** The job tag kept in `next`'s high bits. */
const tagOf = (seq: number): number => seq & 0x7fff;
/** Rows per chunk of a single product (gemm.c's MC: one cached block of A). */
const CHUNK_ROWS = 64;
/** Below this many flops a product runs on the calling thread only (a wake-up costs ~10-50 us). */
const DEFAULT_MIN_PARALLEL_FLOPS = 4e5;
/**
 * Loads of the control word an idle worker spins through before it sleeps in Atomics.wait (~1 ms):
 * training issues a product every few hundred microseconds, and a futex wake-up costs about that.
 */
const SPINS = 400000;

/**
 * One strided, batched product for {@link GemmPool.run}: for every batch `t < batch`,
 * `out_t = op(A_t) op(B_t) (+ bias)` with `op(A)` element `(i, p)` at `a[t * sa + i * ar + p * ak]`
 * and `op(B)` element `(p, j)` at `b[t * sb + p * bk + j * bj]` (`sa` / `sb` = 0 broadcasts one
 * matrix); `out` is row-major `[batch, m, n]`.
 */
export interface GemmOperands {
  batch: number;
  m: number;
  n: number;
  k: number;
  a: Float32Array;
  sa: number;
  ar: number;
  ak: number;
  b: Float32Array;
  sb: number;
  bk: number;
  bj: number;
  /** Added to every row (`[n]`), or undefined. */
  bias?: Float32Array;
  /** Receives the product (`batch * m * n` values). */
  out: Float32Array;
}

type GemmExport = (...args: number[]) => void;

interface WorkerLike {
  terminate(): unknown;
  unref?(): void;
}

// CommonJS source of a pool thread: it instantiates the same module on the same shared memory and
// runs its slot of each job; `seq` (ctl[0]) announces a job, `done` (ctl[1]) counts finished slots.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control, tile, spins } = workerData;
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
const ctl = new Int32Array(control);
let seq = Atomics.load(ctl, ${SEQ});
parentPort.postMessage('ready');
for (;;) {
  let s = Atomics.load(ctl, ${SEQ});
  for (let i = 0; s === seq && i < spins; i++) s = Atomics.load(ctl, ${SEQ});
  while (s === seq) { Atomics.wait(ctl, ${SEQ}, seq); s = Atomics.load(ctl, ${SEQ}); }
  seq = s;
  if (s < 0) break;
  const count = ctl[${COUNT}];
  const tag = s & 0x7fff;
  const a = ${ARGS};
  for (;;) {
    const v = Atomics.load(ctl, ${NEXT});
    const c = v & 0xffff;
    if (v >>> 16 !== tag || c >= count) break;
    if (Atomics.compareExchange(ctl, ${NEXT}, v, v + 1) !== v) continue;
    const o = ${CHUNKS} + ${CHUNK_INTS} * c;
    gemm(ctl[o], ctl[o + 1], ctl[o + 2], ctl[o + 3], ctl[o + 4], ctl[o + 5], ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4],
      ctl[a + 5], ctl[a + 6], ctl[a + 7], ctl[a + 8], ctl[a + 9], ctl[a + 10], tile);
    Atomics.add(ctl, ${DONE}, 1);
  }
}
`;

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * A SIMD GEMM on a shared wasm memory, run by the calling thread plus `threads - 1` worker threads.
 *
 * Operands are copied into the pool's memory and the product copied back: tfjs's wasm heap is not
 * shared, so workers cannot read it in place. The copies are O(size) against the product's
 * O(m n k) and cost a few percent on the shapes vlalign trains.
 *
 * The split never changes a value: every output element is summed in the same order whichever
 * thread computes it, so results are bit-identical for any thread count.
 */
export class GemmPool {
  private view: Float32Array;
  private closed = false;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly gemm: GemmExport,
    private readonly pack: GemmExport,
    private readonly control: Int32Array,
    private readonly workers: WorkerLike[],
    /** Threads a large product is split over (the caller's included). */
    readonly threads: number,
    private readonly minParallelFlops: number,
  ) {
    this.view = new Float32Array(memory.buffer);
  }

  /**
   * Starts a pool. Throws when the runtime lacks what it needs (shared wasm memory, SIMD, Node's
   * worker_threads for `threads > 1`); callers keep their previous kernels then.
   */
  static async create(threads: number, options: { minParallelFlops?: number } = {}): Promise<GemmPool> {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new Error(`GemmPool: threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
    const module = await WebAssembly.compile(Buffer.from(POOL_WASM_BASE64, 'base64'));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const control = new Int32Array(new SharedArrayBuffer(4 * (CHUNKS + CHUNK_INTS * MAX_CHUNKS)));
    const workers: WorkerLike[] = [];
    if (threads > 1) {
      const { Worker } = await import('node:worker_threads');
      for (let index = 1; index < threads; index++) {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: control.buffer, tile: TILES + index * TILE_BYTES, spins: SPINS } });
        workers.push(w);
        // A job posted before a thread reads its first sequence number would be missed: wait.
        await new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        });
        // An idle pool must not keep the process alive.
        w.unref();
      }
    }
    return new GemmPool(memory, instance.exports.gemm as GemmExport, instance.exports.pack as GemmExport, control, workers, threads, options.minParallelFlops ?? DEFAULT_MIN_PARALLEL_FLOPS);
  }

  private reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.view.buffer.byteLength !== this.memory.buffer.byteLength) this.view = new Float32Array(this.memory.buffer);
  }

  /** Computes one batched product (see {@link GemmOperands}); synchronous. */
  run(op: GemmOperands): void {
    if (this.closed) throw new Error('GemmPool: used after dispose()');
    const { batch, m, n, k } = op;
    const outLen = batch * m * n;
    if (op.out.length < outLen) throw new Error(`GemmPool: out holds ${op.out.length} values, the product has ${outLen}`);
    if (outLen === 0) return;
    const panelsBytes = k * Math.ceil(n / NR) * NR * 4;
    const aPtr = BASE;
    const bPtr = aPtr + align(op.a.length * 4);
    const biasPtr = op.bias ? bPtr + align(op.b.length * 4) : 0;
    const cPtr = bPtr + align(op.b.length * 4) + (op.bias ? align(op.bias.length * 4) : 0);
    const packedPtr = cPtr + align(outLen * 4);
    this.reserve(packedPtr + align(panelsBytes * (op.sb === 0 ? 1 : batch)));
    const v = this.view;
    v.set(op.a, aPtr >> 2);
    v.set(op.b, bPtr >> 2);
    if (op.bias) v.set(op.bias, biasPtr >> 2);
    this.pack(0, batch, n, k, bPtr, op.sb, op.bk, op.bj, packedPtr);
    const shared = [n, k, aPtr, op.sa, op.ar, op.ak, packedPtr, op.sb, cPtr, m * n, biasPtr];
    const flops = 2 * batch * m * n * k;
    const panels = Math.ceil(n / NR);
    const chunks: number[] = [];
    if (this.threads === 1 || flops < this.minParallelFlops) chunks.push(0, batch, 0, m, 0, panels);
    else if (batch > 1) {
      const count = Math.min(MAX_CHUNKS, batch);
      for (let c = 0; c < count; c++) chunks.push(Math.floor((c * batch) / count), Math.floor(((c + 1) * batch) / count), 0, m, 0, panels);
    } else if (m >= this.threads * CHUNK_ROWS || panels < 2 * this.threads) {
      const rows = Math.max(MR, Math.ceil(m / MAX_CHUNKS / MR) * MR, Math.min(CHUNK_ROWS, Math.ceil(m / this.threads / MR) * MR));
      for (let i = 0; i < m; i += rows) chunks.push(0, 1, i, Math.min(m, i + rows), 0, panels);
    } else {
      // Few rows (a weight gradient dW = x^T dy with a narrow input): split the columns instead.
      const step = Math.max(1, Math.ceil(panels / Math.min(MAX_CHUNKS, 4 * this.threads)));
      for (let p = 0; p < panels; p += step) chunks.push(0, 1, 0, m, p, Math.min(panels, p + step));
    }
    const count = chunks.length / CHUNK_INTS;
    if (count === 1) {
      this.gemm(chunks[0], chunks[1], chunks[2], chunks[3], chunks[4], chunks[5], ...shared, TILES);
    } else {
      const ctl = this.control;
      ctl.set(shared, ARGS);
      ctl.set(chunks, CHUNKS);
      ctl[COUNT] = count;
      Atomics.store(ctl, DONE, 0);
      const tag = tagOf(Atomics.load(ctl, SEQ) + 1);
      Atomics.store(ctl, NEXT, tag << 16);
      Atomics.add(ctl, SEQ, 1);
      Atomics.notify(ctl, SEQ);
      for (;;) {
        const v = Atomics.load(ctl, NEXT);
        const c = v & 0xffff;
        if (c >= count) break;
        if (Atomics.compareExchange(ctl, NEXT, v, v + 1) !== v) continue;
        const o = CHUNK_INTS * c;
        this.gemm(chunks[o], chunks[o + 1], chunks[o + 2], chunks[o + 3], chunks[o + 4], chunks[o + 5], ...shared, TILES);
        Atomics.add(ctl, DONE, 1);
      }
      // The calling thread has nothing else to do: spin, then sleep only if a worker is very late.
      let done = Atomics.load(ctl, DONE);
      for (let i = 0; done < count && i < SPINS * 8; i++) done = Atomics.load(ctl, DONE);
      while (done < count) {
        Atomics.wait(ctl, DONE, done, 1);
        done = Atomics.load(ctl, DONE);
      }
    }
    op.out.set(this.view.subarray(cPtr >> 2, (cPtr >> 2) + outLen));
  }

  /** Stops the worker threads (the pool cannot be used afterwards). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, SEQ, -1);
    Atomics.notify(this.control, SEQ);
    for (const w of this.workers) void w.terminate();
  }
}
