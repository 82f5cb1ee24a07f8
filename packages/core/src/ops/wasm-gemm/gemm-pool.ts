import { POOL_WASM_BASE64 } from './wasm-kernel-bytes.js';

/** Micro-tile rows of gemm.c: row splits between threads are multiples of it. */
const MR = 4;
/** Micro-tile columns of gemm.c (the packed B panel width). */
const NR = 8;
/** First byte we hand out: the linker reserves the first 64 KiB for a stack the kernel never uses. */
const BASE = 1 << 17;
const PAGE = 65536;
/** Int32 slots per thread in the control block (18 gemm arguments, padded). */
const SLOT = 20;
/** Below this many flops a product runs on the calling thread only (a wake-up costs ~10-50 us). */
const DEFAULT_MIN_PARALLEL_FLOPS = 4e5;
/** Loads of the control word a waiting thread spins through before it sleeps in Atomics.wait. */
const SPINS = 20000;

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
const { module, memory, control, index, spins, slot } = workerData;
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
const ctl = new Int32Array(control);
let seq = Atomics.load(ctl, 0);
parentPort.postMessage('ready');
for (;;) {
  let s = Atomics.load(ctl, 0);
  for (let i = 0; s === seq && i < spins; i++) s = Atomics.load(ctl, 0);
  while (s === seq) { Atomics.wait(ctl, 0, seq); s = Atomics.load(ctl, 0); }
  seq = s;
  if (s < 0) break;
  const o = 2 + index * slot;
  if (ctl[o + 18] === 1) {
    gemm(ctl[o], ctl[o + 1], ctl[o + 2], ctl[o + 3], ctl[o + 4], ctl[o + 5], ctl[o + 6], ctl[o + 7], ctl[o + 8], ctl[o + 9],
      ctl[o + 10], ctl[o + 11], ctl[o + 12], ctl[o + 13], ctl[o + 14], ctl[o + 15], ctl[o + 16], ctl[o + 17]);
  }
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
`;

function decodeBase64(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'base64'));
}

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
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`GemmPool: threads must be a positive integer, got ${threads}`);
    const module = await WebAssembly.compile(decodeBase64(POOL_WASM_BASE64));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const control = new Int32Array(new SharedArrayBuffer(4 * (2 + SLOT * threads)));
    const workers: WorkerLike[] = [];
    if (threads > 1) {
      const { Worker } = await import('node:worker_threads');
      for (let index = 1; index < threads; index++) {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: control.buffer, index, spins: SPINS, slot: SLOT } });
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
    return new GemmPool(memory, instance.exports.gemm as GemmExport, control, workers, threads, options.minParallelFlops ?? DEFAULT_MIN_PARALLEL_FLOPS);
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
    const flops = 2 * batch * m * n * k;
    const split = flops < this.minParallelFlops ? 1 : Math.min(this.threads, batch > 1 ? batch : Math.ceil(m / MR));
    const aPtr = BASE;
    const bPtr = aPtr + align(op.a.length * 4);
    const biasPtr = op.bias ? bPtr + align(op.b.length * 4) : 0;
    const cPtr = bPtr + align(op.b.length * 4) + (op.bias ? align(op.bias.length * 4) : 0);
    const scratchBytes = align((k * Math.ceil(n / NR) + MR) * NR * 4);
    const scratchPtr = cPtr + align(outLen * 4);
    this.reserve(scratchPtr + split * scratchBytes);
    const v = this.view;
    v.set(op.a, aPtr >> 2);
    v.set(op.b, bPtr >> 2);
    if (op.bias) v.set(op.bias, biasPtr >> 2);
    const sc = m * n;
    const args = (b0: number, b1: number, i0: number, i1: number, s: number): number[] => [
      b0, b1, i0, i1, n, k, aPtr, op.sa, op.ar, op.ak, bPtr, op.sb, op.bk, op.bj, cPtr, sc, biasPtr, scratchPtr + s * scratchBytes,
    ];
    const jobs: number[][] = [];
    if (split === 1) jobs.push(args(0, batch, 0, m, 0));
    else if (batch > 1) {
      for (let s = 0; s < split; s++) jobs.push(args(Math.floor((s * batch) / split), Math.floor(((s + 1) * batch) / split), 0, m, s));
    } else {
      const rows = Math.ceil(m / MR / split) * MR;
      for (let s = 0; s < split; s++) jobs.push(args(0, 1, Math.min(m, s * rows), Math.min(m, (s + 1) * rows), s));
    }
    if (jobs.length > 1) {
      const ctl = this.control;
      for (let w = 1; w < this.threads; w++) {
        const o = 2 + w * SLOT;
        const job = jobs[w];
        if (job) ctl.set(job, o);
        ctl[o + 18] = job ? 1 : 0;
      }
      Atomics.store(ctl, 1, 0);
      Atomics.add(ctl, 0, 1);
      Atomics.notify(ctl, 0);
      this.gemm(...jobs[0]);
      const want = this.threads - 1;
      let done = Atomics.load(ctl, 1);
      for (let i = 0; done < want && i < SPINS; i++) done = Atomics.load(ctl, 1);
      while (done < want) {
        Atomics.wait(ctl, 1, done);
        done = Atomics.load(ctl, 1);
      }
    } else {
      this.gemm(...jobs[0]);
    }
    op.out.set(this.view.subarray(cPtr >> 2, (cPtr >> 2) + outLen));
  }

  /** Stops the worker threads (the pool cannot be used afterwards). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, 0, -1);
    Atomics.notify(this.control, 0);
    for (const w of this.workers) void w.terminate();
  }
}
