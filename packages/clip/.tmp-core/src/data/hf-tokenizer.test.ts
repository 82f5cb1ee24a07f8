import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/init-backend.js';
import { loadHfTokenizer } from './hf-tokenizer.js';

const dir = mkdtempSync(join(tmpdir(), 'vlalign-tok-'));
const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

/** A BERT-style WordPiece tokenizer.json with a 13-token vocabulary. */
const wordPiece = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0, '[PAD]'), special(1, '[UNK]'), special(2, '[CLS]'), special(3, '[SEP]')],
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: { '[PAD]': 0, '[UNK]': 1, '[CLS]': 2, '[SEP]': 3, a: 4, red: 5, circle: 6, blue: 7, square: 8, '##s': 9, big: 10, '##ger': 11, '.': 12 },
  },
};

/** A SentencePiece-style (Metaspace) BPE with explicit merges. */
const bpe = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>'), special(3, '<pad>')],
  normalizer: null,
  pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  post_processor: null,
  decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: '<unk>',
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    vocab: {
      '<unk>': 0, '<s>': 1, '</s>': 2, '<pad>': 3,
      '▁': 4, l: 5, o: 6, w: 7, e: 8, r: 9, n: 10, s: 11, t: 12,
      '▁l': 13, '▁lo': 14, '▁low': 15, er: 16, es: 17, est: 18, '▁n': 19, '▁ne': 20, '▁new': 21,
    },
    merges: ['▁ l', '▁l o', '▁lo w', 'e r', 'e s', 'es t', '▁ n', '▁n e', '▁ne w'],
  },
};

describe('loadHfTokenizer', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    writeFileSync(join(dir, 'wordpiece.json'), JSON.stringify(wordPiece));
    writeFileSync(join(dir, 'bpe.json'), JSON.stringify(bpe));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('WordPiece: lower-cases, splits into ## pieces, maps unknown words to [UNK], decodes', async () => {
    const tok = await loadHfTokenizer(join(dir, 'wordpiece.json'));
    expect(tok.modelType).toBe('WordPiece');
    expect([tok.vocabSize, tok.padId, tok.bosId, tok.eosId, tok.unkId]).toEqual([13, 0, 2, 3, 1]);
    // Hand-derived from the vocabulary: "circles" = circle + ##s, "bigger" = big + ##ger, "green" is unknown.
    expect(tok.tokenize('A red circles.')).toEqual(['a', 'red', 'circle', '##s', '.']);
    expect(tok.encode('A red circles.')).toEqual([4, 5, 6, 9, 12]);
    expect(tok.encode('bigger green square')).toEqual([10, 11, 1, 8]);
    expect(tok.decode([2, 4, 5, 6, 9, 12, 3, 0])).toBe('a red circles.');
    expect(tok.tokenToId('##ger')).toBe(11);
    expect(tok.tokenToId('nope')).toBeUndefined();
  });

  it('BPE: applies merges in rank order and decodes back to the text', async () => {
    const tok = await loadHfTokenizer(join(dir, 'bpe.json'));
    expect(tok.modelType).toBe('BPE');
    expect([tok.vocabSize, tok.padId, tok.bosId, tok.eosId, tok.unkId]).toEqual([22, 3, 1, 2, 0]);
    // "▁lower": ▁l, ▁lo, ▁low, then e+r -> [▁low, er]; "▁newest": e+s, es+t, ▁n, ▁ne, ▁new -> [▁new, est].
    expect(tok.tokenize('lower newest')).toEqual(['▁low', 'er', '▁new', 'est']);
    expect(tok.encode('lower newest')).toEqual([15, 16, 21, 18]);
    expect(tok.decode([1, 15, 16, 21, 18, 2])).toBe('lower newest');
    expect(tok.encode('snow')).toEqual([4, 11, 10, 6, 7]);
  });

  it('byte-level BPE (GPT-2 style): Ġ-prefixed words, no unknown token (unkId -1)', async () => {
    // GPT-2's byte -> printable-character table, then two merges.
    const printable = [
      ...Array.from({ length: 126 - 33 + 1 }, (_, k) => 33 + k),
      ...Array.from({ length: 172 - 161 + 1 }, (_, k) => 161 + k),
      ...Array.from({ length: 255 - 174 + 1 }, (_, k) => 174 + k),
    ];
    const vocab: Record<string, number> = {};
    let extra = 0;
    const chars: string[] = [];
    for (let b = 0; b < 256; b++) chars[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
    [...printable, ...Array.from({ length: 256 }, (_, b) => b).filter((b) => !printable.includes(b))].forEach((b, id) => (vocab[chars[b]] = id));
    vocab['<|endoftext|>'] = 256;
    vocab.hi = 257;
    vocab['Ġhi'] = 258;
    const byteLevel = {
      version: '1.0',
      added_tokens: [special(256, '<|endoftext|>')],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: ['h i', 'Ġ hi'] },
    };
    writeFileSync(join(dir, 'bytelevel.json'), JSON.stringify(byteLevel));
    const tok = await loadHfTokenizer(join(dir, 'bytelevel.json'));
    expect([tok.vocabSize, tok.padId, tok.bosId, tok.eosId, tok.unkId]).toEqual([259, 256, 256, 256, -1]);
    expect(tok.tokenize('hi hi!')).toEqual(['hi', 'Ġhi', '!']);
    expect(tok.encode('hi hi!')).toEqual([257, 258, vocab['!']]);
    expect(tok.decode([256, 257, 258, vocab['!'], 256])).toBe('hi hi!');
  });

  it('refuses other model types and names what is supported; reports missing files and tokens', async () => {
    const unigram = { ...bpe, model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0]] } };
    writeFileSync(join(dir, 'unigram.json'), JSON.stringify(unigram));
    await expect(loadHfTokenizer(join(dir, 'unigram.json'))).rejects.toThrow(
      `${join(dir, 'unigram.json')}: unsupported tokenizer model type "Unigram"; supported types are BPE, WordPiece`,
    );
    await expect(loadHfTokenizer(join(dir, 'missing.json'))).rejects.toThrow(`tokenizer.json not found: ${join(dir, 'missing.json')}`);
    const noEos = { ...wordPiece, added_tokens: wordPiece.added_tokens.slice(0, 3), model: { ...wordPiece.model, vocab: { ...wordPiece.model.vocab, '[SEP]': undefined } } };
    writeFileSync(join(dir, 'noeos.json'), JSON.stringify(noEos));
    await expect(loadHfTokenizer(join(dir, 'noeos.json'))).rejects.toThrow(/no eos token found .*pass options\.specialTokens\.eos/);
    await expect(loadHfTokenizer(join(dir, 'noeos.json'), { specialTokens: { eos: '<nope>' } })).rejects.toThrow(/specialTokens\.eos "<nope>" is not in the vocabulary/);
    const tok = await loadHfTokenizer(join(dir, 'noeos.json'), { specialTokens: { eos: '.', pad: 'a' } });
    expect(tok.eosId).toBe(12);
    expect(tok.padId).toBe(4);
  });

  it('reads tokenizer_config.json special-token names from the same folder', async () => {
    const sub = join(dir, 'cfg');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    writeFileSync(join(sub, 'tokenizer.json'), JSON.stringify(bpe));
    writeFileSync(join(sub, 'tokenizer_config.json'), JSON.stringify({ pad_token: '</s>', bos_token: { content: '<s>' } }));
    const tok = await loadHfTokenizer(join(sub, 'tokenizer.json'));
    expect([tok.padId, tok.bosId]).toEqual([2, 1]);
  });
});
