export { AdamW, defaultNoDecay, type AdamWOptions } from './adamw.js';
export { clipByGlobalNorm, globalNorm } from './clip-grad-norm.js';
export { cosineWithWarmup, constantWithWarmup, type LrSchedule, type CosineWithWarmupOptions } from './schedules.js';
export type { GradientsInput } from './gradients.js';
