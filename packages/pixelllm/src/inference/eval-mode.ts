import type { Module } from '@vlalign/core';

/** Puts modules in eval mode and returns a function that restores each one's previous mode. */
export function evalMode(...modules: (Module | undefined)[]): () => void {
  const present = modules.filter((m): m is Module => m !== undefined);
  const modes = present.map((m) => m.training);
  present.forEach((m) => m.eval());
  return () => present.forEach((m, i) => m.train(modes[i]));
}
