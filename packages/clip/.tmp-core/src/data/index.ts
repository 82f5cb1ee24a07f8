export type * from './types.js';
export * from './word-tokenizer.js';
