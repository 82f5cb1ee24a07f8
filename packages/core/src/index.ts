/**
 * @vlalign/core — the runtime every vlalign plugin shares.
 * Each folder has one idea and its own index; this file only re-exports them.
 */
export * from './backend/index.js';
export * from './nn/index.js';
export * from './models/index.js';
export * from './optim/index.js';
export * from './io/index.js';
export * from './train/index.js';
export * from './data/index.js';
export * from './synth/index.js';
export * from './eval/index.js';
export * from './ops/index.js';
export * as tf from '@tensorflow/tfjs-core';
