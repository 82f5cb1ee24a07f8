/**
 * LaVIT miniature reproduction on the shapes world (methods notes §3.5), CPU-sized.
 *
 * 1. A tiny VLM is trained by core's `captioning()`: it is the continuous-feature captioner
 *    (baseline) and its ViT becomes the frozen "semantic encoder" whose patch features the
 *    tokenizer selects, merges, quantises and reconstructs.
 * 2. `lavit({ mode: 'tokenizer' })`: stage 1 (no VQ) then stage 2 (EMA codebook).
 * 3. `lavitLm()`: a unified LM over `[IMG] ids [/IMG]` + captions (both orders).
 * 4. Measured on held-out test scenes: Spearman(kept tokens, #objects), foreground share of kept
 *    tokens vs a random choice of the same count, reconstruction cosine vs random / first-n keep at
 *    the same per-image count, codebook usage/perplexity, caption CIDEr-D from ids vs the baseline.
 *
 * Run: pnpm --filter @vlalign/lavit experiment   (env: CAP_STEPS, TOK_STEPS, STAGE1_STEPS, LM_STEPS,
 *   BATCH, SEED, TEST_SIZE, VAL_SIZE, CODEBOOK, MAX_OBJECTS, KEEP_RATIO, CENTER (1: centred features),
 *   THRESH_MASK (thresholdMaskShare), TAU (Gumbel temperature), FIXED_K, POSITIONS (codePositions:
 *   rank | patch), RATIO_SCOPE (keepRatioScope: image | batch), SAMPLED (0: skip the sampled-selection pass),
 *   FREEZE_SELECTOR (1: freezeSelectorInStage2),
 *   NATIVE (1: @vlalign/native kernels), INIT=<a tiny-VLM captioning run folder or its
 *   model.safetensors, reused as the captioner and frozen encoder>)
 */
import {
  Trainer,
  captioning,
  ciderD,
  createModel,
  createShapesWorld,
  createRng,
  imagesToTensor,
  initBackend,
  loadSafetensors,
  shapesTokenizer,
  silentLogger,
  tf,
  type ShapesSample,
} from '@vlalign/core';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DynamicVisualTokenizer,
  calibrateSelectorThreshold,
  keepProbabilities,
  captionFromVisualIds,
  codebookUsage,
  cosineSimilarity,
  createUnifiedLM,
  lavit,
  lavitLm,
  patchFeatures,
  spearman,
  tokenizeFeatures,
} from '../src/index.js';

const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const CAP_STEPS = env('CAP_STEPS', 300);
const TOK_STEPS = env('TOK_STEPS', 600);
const LM_STEPS = env('LM_STEPS', 1500);
const BATCH = env('BATCH', 16);
const SEED = env('SEED', 0);
const TEST = env('TEST_SIZE', 200);
const STAGE1_STEPS = env('STAGE1_STEPS', Math.round(0.4 * TOK_STEPS));
const CODEBOOK = env('CODEBOOK', 512);
const MAX_OBJECTS = env('MAX_OBJECTS', 4);
const VAL = env('VAL_SIZE', 128);
const KEEP_RATIO = env('KEEP_RATIO', 0.3);
const CENTER = env('CENTER', 1) === 1;
const NATIVE = env('NATIVE', 1) === 1;
const THRESH_MASK = env('THRESH_MASK', 0);
const TAU = env('TAU', 1);
const POSITIONS = (process.env.POSITIONS ?? 'rank') as 'rank' | 'patch';
const RATIO_SCOPE = (process.env.RATIO_SCOPE ?? 'image') as 'image' | 'batch';
const SAMPLED = env('SAMPLED', 1) === 1;
const FREEZE_SELECTOR = env('FREEZE_SELECTOR', 0) === 1;
/** Tokens per image of the fixed-count random baseline (default: the selector's mean count on the test set, rounded). */
const FIXED_K = process.env.FIXED_K ? Number(process.env.FIXED_K) : undefined;

/** A run folder (its latest checkpoint's model.safetensors) or a model.safetensors path. */
function modelFile(init: string): string {
  if (!statSync(init).isDirectory()) return init;
  const latest = join(init, 'checkpoints', 'latest');
  const dir = existsSync(latest) && statSync(latest).isFile() ? join(init, 'checkpoints', readFileSync(latest, 'utf8').trim()) : init;
  return join(dir, 'model.safetensors');
}

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

async function main() {
  const backend = await initBackend('wasm');
  let native = 'off';
  if (NATIVE) {
    // By URL (not bundled): the addon loads next to its own dist; it patches the same core (external).
    const url = new URL('../../native/dist/index.js', import.meta.url).href;
    const { enableNative } = (await import(url)) as { enableNative: () => Promise<{ active: boolean; gemm?: string; reason?: string }> };
    const st = await enableNative();
    native = st.active ? `on (${st.gemm})` : `off: ${st.reason}`;
  }
  console.log(`backend ${backend.name}, native ${native}; CAP_STEPS=${CAP_STEPS} TOK_STEPS=${TOK_STEPS} STAGE1_STEPS=${STAGE1_STEPS} LM_STEPS=${LM_STEPS} BATCH=${BATCH} SEED=${SEED} codebook=${CODEBOOK} rho=${KEEP_RATIO} center=${CENTER} thresholdMaskShare=${THRESH_MASK} tau=${TAU} positions=${POSITIONS} ratioScope=${RATIO_SCOPE} freezeSelector=${FREEZE_SELECTOR} maxObjects=${MAX_OBJECTS}`);
  const tokenizer = shapesTokenizer();
  const train = createShapesWorld({ seed: SEED + 1, size: 4096, split: 'train', imageSize: 64, maxObjects: MAX_OBJECTS });
  const val = createShapesWorld({ seed: SEED + 1, size: VAL, split: 'val', imageSize: 64, maxObjects: MAX_OBJECTS });
  const testSet = createShapesWorld({ seed: SEED + 1, size: TEST, split: 'test', imageSize: 64, maxObjects: MAX_OBJECTS });
  const test: ShapesSample[] = [];
  for (let i = 0; i < testSet.length; i++) test.push(await testSet.get(i));

  // 1. Continuous-feature captioner (and semantic encoder).
  const vlm = createModel('vlm', 'tiny', { seed: SEED, vocabSize: tokenizer.vocabSize });
  const init = process.env.INIT; // a model.safetensors of a tiny-VLM captioning run: skips training the baseline
  if (init) {
    const { tensors } = loadSafetensors(modelFile(init));
    vlm.loadStateDict(tensors);
    tf.dispose(Object.values(tensors));
    console.log(`loaded the captioner from ${init}`);
  } else await new Trainer({ model: vlm, tokenizer, plugins: [captioning({ maxLength: 32, index: 'random' })], data: train, batchSize: BATCH, steps: CAP_STEPS, seed: SEED, optimizer: { lr: 2e-3, warmupSteps: 20 }, logger: silentLogger, progress: false, handleSigint: false }).fit();
  vlm.eval();
  const baselineCaps: string[] = [];
  for (let i = 0; i < test.length; i += 50) {
    const images = imagesToTensor(test.slice(i, i + 50).map((s) => s.image), 64);
    const { ids } = await vlm.generate(images, { maxNewTokens: 24, stopTokens: [tokenizer.eosId] });
    images.dispose();
    baselineCaps.push(...ids.map((r) => tokenizer.decode(r.filter((t) => t !== tokenizer.eosId))));
  }
  const refs = test.map((s) => s.captions);
  const baselineCider = ciderD(baselineCaps, refs).score;
  console.log(`[${elapsed()}] continuous captioner: CIDEr-D ${baselineCider.toFixed(3)}  e.g. "${baselineCaps[0]}" vs "${refs[0][0]}"`);

  // 2. Tokenizer over the frozen ViT.
  const vit = vlm.vision;
  vit.freeze();
  const visual = new DynamicVisualTokenizer({ featureDim: vit.config.width, numPatches: vit.numPatches, codebookSize: CODEBOOK, codeDim: 32, mergerLayers: 2, decoderLayers: 2, heads: 4, seed: SEED, deadCodeSteps: 30, centerFeatures: CENTER, tau: TAU, codePositions: POSITIONS });
  await new Trainer({
    model: vlm,
    tokenizer,
    plugins: [lavit({ mode: 'tokenizer', visualTokenizer: visual, stage1Steps: STAGE1_STEPS, thresholdMaskShare: THRESH_MASK, keepRatio: KEEP_RATIO, keepRatioScope: RATIO_SCOPE, freezeSelectorInStage2: FREEZE_SELECTOR, keepRatioWeight: 2, commitmentWeight: 0.25, eval: { maxSamples: 64, batchSize: 32, captionMaxTokens: 24 } })],
    data: train,
    evalData: val,
    batchSize: BATCH,
    steps: TOK_STEPS,
    seed: SEED,
    optimizer: { lr: 1e-3, warmupSteps: 20, weightDecay: 0.01 },
    logEvery: 50,
    evalEvery: Math.max(50, Math.round(TOK_STEPS / 4)),
    logger: silentLogger,
    progress: false,
    handleSigint: false,
    onLog: (r) => console.log(`[${elapsed()}] tokenizer ${r.split} @${r.step}: ${Object.entries(r.metrics).filter(([k]) => /recon|kept|commit|usage|tokens_per|cosine|spearman|threshold|step_time/.test(k)).map(([k, v]) => `${k.replace('lavit/', '')}=${v.toFixed(3)}`).join(' ')}`),
  }).fit();

  const tTokenizer = (performance.now() - t0) / 1000;
  // 3. Measurements. The inference threshold: calibrated to rho on the held-out val scenes.
  visual.eval();
  const trainCalibrated = visual.selector.threshold;
  const valProbs: Float32Array[] = [];
  for (let i = 0; i < val.length; i += 32) {
    const batch: ShapesSample[] = [];
    for (let j = i; j < Math.min(val.length, i + 32); j++) batch.push(await val.get(j));
    const f = patchFeatures(vit, batch);
    const x = tf.tidy(() => visual.center(f));
    valProbs.push(keepProbabilities(visual.selector, x));
    tf.dispose([f, x]);
  }
  const threshold = calibrateSelectorThreshold(visual.selector, valProbs, KEEP_RATIO);
  console.log(`[${elapsed()}] threshold: ${trainCalibrated.toFixed(4)} (calibrated in training) -> ${threshold.toFixed(4)} (on ${val.length} val scenes)`);
  /** Tokens, counts, foreground shares and reconstruction (vs random masks) on the test scenes. */
  const measure = (sampleSeed?: number) => {
    const grid = Math.sqrt(vit.numPatches);
    const patch = 64 / grid;
    const counts: number[] = [];
    const objects: number[] = [];
    const allIds: number[][] = [];
    let keptFg = 0;
    let keptTotal = 0;
    let randomFgExpected = 0;
    const cos = { selected: 0, random: 0, firstN: 0, foregroundFirst: 0, randomMeanCount: 0, selectedContinuous: 0, randomContinuous: 0, n: 0 };
    // The fixed-count random baseline keeps round(mean selector count) tokens in every image.
    let countSum = 0;
    for (let i = 0; i < test.length; i += 50) {
      const f = patchFeatures(vit, test.slice(i, i + 50));
      countSum += tokenizeFeatures(visual, f, { sampleSeed: sampleSeed === undefined ? undefined : sampleSeed + i }).reduce((a, t) => a + t.ids.length, 0);
      f.dispose();
    }
    const meanCount = Math.round(countSum / test.length);
    const rng = createRng(SEED + 7 + (sampleSeed ?? 0));
    for (let i = 0; i < test.length; i += 50) {
      const batch = test.slice(i, i + 50);
      const features = patchFeatures(vit, batch);
      const tokens = tokenizeFeatures(visual, features, { sampleSeed: sampleSeed === undefined ? undefined : sampleSeed + i });
      const b = batch.length;
      const n = vit.numPatches;
      const selKeep = new Float32Array(b * n);
      const randKeep = new Float32Array(b * n);
      const firstKeep = new Float32Array(b * n);
      const fixedKeep = new Float32Array(b * n);
      const fgFirstKeep = new Float32Array(b * n);
      tokens.forEach((t, r) => {
        const s = batch[r];
        counts.push(t.ids.length);
        objects.push(s.complexity.objects);
        allIds.push(t.ids);
        const fg = fgPatches(s, grid, patch);
        const fgCount = fg.reduce((a, v) => a + v, 0);
        for (const p of t.patches) {
          keptFg += fg[p];
          selKeep[r * n + p] = 1;
        }
        keptTotal += t.ids.length;
        randomFgExpected += (t.ids.length * fgCount) / n;
        const order = Array.from({ length: n }, (_, j) => j);
        for (let j = n - 1; j > 0; j--) {
          const k = Math.floor(rng() * (j + 1));
          [order[j], order[k]] = [order[k], order[j]];
        }
        for (const p of order.slice(0, t.ids.length)) randKeep[r * n + p] = 1;
        firstKeep.fill(1, r * n, r * n + t.ids.length);
        // Diagnostic: foreground patches first (in the random order), then background, same count.
        const fgOrder = [...order.filter((p) => fg[p]), ...order.filter((p) => !fg[p])];
        for (const p of fgOrder.slice(0, t.ids.length)) fgFirstKeep[r * n + p] = 1;
        // Random keep with one count for every image (the mean count of the first pass; see below).
        const order2 = Array.from({ length: n }, (_, j) => j);
        for (let j = n - 1; j > 0; j--) {
          const k = Math.floor(rng() * (j + 1));
          [order2[j], order2[k]] = [order2[k], order2[j]];
        }
        for (const p of order2.slice(0, FIXED_K ?? meanCount)) fixedKeep[r * n + p] = 1;
      });
      cos.selected += reconCos(visual, features, selKeep);
      cos.random += reconCos(visual, features, randKeep);
      cos.firstN += reconCos(visual, features, firstKeep);
      cos.foregroundFirst += reconCos(visual, features, fgFirstKeep);
      cos.randomMeanCount += reconCos(visual, features, fixedKeep);
      cos.selectedContinuous += reconCos(visual, features, selKeep, false);
      cos.randomContinuous += reconCos(visual, features, randKeep, false);
      cos.n += b * n;
      features.dispose();
    }
    const usage = codebookUsage(allIds, CODEBOOK);
    const mean = counts.reduce((a, v) => a + v, 0) / counts.length;
    const byObjects = new Map<number, number[]>();
    counts.forEach((c, i) => (byObjects.get(objects[i]) ?? byObjects.set(objects[i], []).get(objects[i])!).push(c));
    console.log(`[${elapsed()}] ${sampleSeed === undefined ? 'thresholded' : 'sampled'}: tokens/image ${mean.toFixed(2)} of ${vit.numPatches}; by #objects: ${[...byObjects].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${(v.reduce((a, x) => a + x, 0) / v.length).toFixed(1)}`).join(' ')}`);

    return {
      allIds,
      stats: {
        tokensPerImage: mean,
        tokensPerImageRange: [Math.min(...counts), Math.max(...counts)],
        tokensByObjects: Object.fromEntries([...byObjects].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v.reduce((a, x) => a + x, 0) / v.length])),
        spearmanTokensObjects: spearman(counts, objects),
        foregroundShareKept: keptFg / keptTotal,
        foregroundShareRandomSameCount: randomFgExpected / keptTotal,
        reconCosine: {
          selectorMerger: cos.selected / cos.n,
          randomKeepSameCount: cos.random / cos.n,
          firstNSameCount: cos.firstN / cos.n,
          foregroundFirstSameCount: cos.foregroundFirst / cos.n,
          randomKeepFixedCount: { value: cos.randomMeanCount / cos.n, tokensPerImage: FIXED_K ?? meanCount },
          continuousSelectorMerger: cos.selectedContinuous / cos.n,
          continuousRandomSameCount: cos.randomContinuous / cos.n,
        },
        codebook: { usage: usage.usage, perplexity: usage.perplexity, distinct: usage.distinct },
      },
    };
  };
  // Thresholded (deterministic) selection, and LaVIT's sampled selection for comparison.
  const { allIds, stats } = measure();
  const sampled = SAMPLED ? measure(SEED + 1000).stats : null;

  // 4. Unified LM.
  const { lm, vocab } = createUnifiedLM({ maxLength: vit.numPatches + 48, width: 64, layers: 2, heads: 4, mlpHidden: 256 }, tokenizer.vocabSize, CODEBOOK, { seed: SEED });
  await new Trainer({ model: vlm, tokenizer, plugins: [lavitLm({ visualTokenizer: visual, unified: { lm, vocab }, textFirstRatio: 0.5 })], data: train, batchSize: BATCH, steps: LM_STEPS, seed: SEED, optimizer: { lr: 2e-3, warmupSteps: 20 }, logEvery: 100, onLog: (r) => console.log(`[${elapsed()}] LM @${r.step}: lm_loss=${r.metrics['lavit/lm_loss']?.toFixed(3)} step_time_ms=${r.metrics.step_time_ms?.toFixed(0)}`), logger: silentLogger, progress: false, handleSigint: false }).fit();
  const lavitCaps: string[] = [];
  for (let i = 0; i < test.length; i += 50) lavitCaps.push(...(await captionFromVisualIds(lm, vocab, tokenizer, allIds.slice(i, i + 50), { maxNewTokens: 24 })));
  const lavitCider = ciderD(lavitCaps, refs).score;

  const results = {
    settings: { CAP_STEPS, TOK_STEPS, STAGE1_STEPS, LM_STEPS, BATCH, SEED, testImages: test.length, valImages: val.length, codebook: CODEBOOK, patches: vit.numPatches, keepRatio: KEEP_RATIO, center: CENTER, thresholdMaskShare: THRESH_MASK, tau: TAU, codePositions: POSITIONS, keepRatioScope: RATIO_SCOPE, freezeSelectorInStage2: FREEZE_SELECTOR, maxObjects: MAX_OBJECTS, native, init: init ?? null },
    threshold: { trainingCalibrated: trainCalibrated, valCalibrated: threshold },
    ...stats,
    sampledSelection: sampled,
    ciderD: { fromVisualIds: lavitCider, continuousCaptioner: baselineCider },
    example: { reference: refs[0][0], fromIds: lavitCaps[0], continuous: baselineCaps[0] },
    seconds: { tokenizerDone: Math.round(tTokenizer), total: Math.round((performance.now() - t0) / 1000) },
  };
  console.log(JSON.stringify(results, null, 2));
}

/** 1 for patches whose 8x8 block is at least a quarter foreground. */
function fgPatches(s: ShapesSample, grid: number, patch: number): number[] {
  const out: number[] = [];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      let c = 0;
      for (let y = gy * patch; y < (gy + 1) * patch; y++) for (let x = gx * patch; x < (gx + 1) * patch; x++) if (s.foregroundMask[y * s.image.width + x]) c++;
      out.push(c >= (patch * patch) / 4 ? 1 : 0);
    }
  }
  return out;
}

/** Sum over patches of cos(reconstruction, target) with a given keep mask (quantised codes); the target is the tokenizer's (centred with CENTER). */
function reconCos(tok: DynamicVisualTokenizer, features: tf.Tensor3D, keepValues: Float32Array, quantize = true): number {
  return tf.tidy(() => {
    const [b, n] = features.shape;
    const keep = tf.tensor2d(keepValues, [b, n]);
    const x = tok.center(features);
    const z = tok.encode(tok.merger.forward(x, keep));
    const codes = quantize ? tf.reshape(tok.codebook.quantize(tf.reshape(z, [b * n, tok.config.codeDim]) as tf.Tensor2D).quantized, [b, n, tok.config.codeDim]) : z;
    const rec = tok.decoder.forward(codes as tf.Tensor3D, keep, keepValues);
    return tf.sum(cosineSimilarity(rec, x)).dataSync()[0];
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
