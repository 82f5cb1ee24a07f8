import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { WordTokenizer, loadHfTokenizer, shapesTokenizer, type Tokenizer } from '@vlalign/core';
import type { VlalignConfig } from '../config/schema.js';

export async function buildTokenizer(spec: VlalignConfig['tokenizer'], configDir: string): Promise<Tokenizer> {
  if (spec === 'shapes') return shapesTokenizer();
  if ('huggingface' in spec) return loadHfTokenizer(resolve(configDir, spec.huggingface));
  const path = resolve(configDir, spec.word);
  return WordTokenizer.fromJSON(JSON.parse(readFileSync(path, 'utf8')));
}
