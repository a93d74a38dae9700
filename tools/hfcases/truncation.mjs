// Produces tests/fixtures/hfcases/truncation.json.gz: the ids Hugging Face's own tokenizers library (npm binding
// of the Rust crate) gives with truncation (strategy longest_first, stride 0, direction left and right), for single
// texts and pairs, on the committed BERT vocabularies and the XLM-R (BGE-M3 style) tokenizer. EmbedRt's tests read the file,
// so CI needs no npm.
//
// Run (the binding is not a CI dependency; install it in a temporary folder):
//   npm install --prefix /tmp/hf tokenizers@0.23.2
//   NODE_PATH=/tmp/hf/node_modules node tools/hfcases/truncation.mjs
//
// Format: { tokenizers, texts, cases: [{ tokenizer, direction, text, pair?, max_length, ids, type_ids }] }, text and pair being
// indices into texts, and tokenizer
// "vocab:<name>" (tests/fixtures/tokenizers/<name>/tokenizer.json) or "model:<name>" (tests/fixtures/models/<name>).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const require = createRequire(path.join(process.env.NODE_PATH ?? process.cwd(), 'x.js'));
const { Tokenizer } = require('tokenizers');
const version = require('tokenizers/package.json').version;

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const fixtures = path.join(repo, 'tests/fixtures');
const tokenizers = [
  { name: 'vocab:bert-base-uncased', file: 'tokenizers/bert-base-uncased/tokenizer.json', cases: 'bert-base-uncased' },
  { name: 'vocab:bert-base-chinese', file: 'tokenizers/bert-base-chinese/tokenizer.json', cases: 'bert-base-chinese' },
  { name: 'vocab:bert-base-multilingual-cased', file: 'tokenizers/bert-base-multilingual-cased/tokenizer.json', cases: 'bert-base-multilingual-cased' },
  { name: 'model:xlmr-tiny-m3', file: 'models/xlmr-tiny-m3/tokenizer.json', cases: 'bert-base-multilingual-cased' },
];

// Every fixture text (all categories: accents, CJK, emoji, control chars, literal special tokens, long words, ...),
// the empty text, and long texts glued from them (over 16K chars: EmbedRt encodes those from the end in pieces).
function texts(casesOf) {
  const lines = fs.readFileSync(path.join(fixtures, 'tokenizers', casesOf, 'cases.jsonl'), 'utf8').split('\n').filter(l => l);
  const cases = lines.map(l => JSON.parse(l));
  const singles = ['', ...new Set(cases.map(c => c.text))];
  const long = [];
  for (const glue of [' ', '', '\n']) {
    let s = '';
    for (let i = 0; s.length < 40000; i++) s += cases[(i * 7) % cases.length].text + glue;
    long.push(s);
  }
  return { singles, long };
}

async function encode(tokenizer, text, pair, maxLength, direction) {
  tokenizer.setTruncation(maxLength, { direction, strategy: 'LongestFirst', stride: 0 });
  const e = await tokenizer.encode(text, pair ?? null, { addSpecialTokens: true });
  return { ids: e.getIds(), type_ids: e.getTypeIds() };
}

const out = [];
const textTable = [], textIndex = new Map();
const indexOf = text => {
  if (!textIndex.has(text)) { textIndex.set(text, textTable.length); textTable.push(text); }
  return textIndex.get(text);
};
for (const spec of tokenizers) {
  const tokenizer = Tokenizer.fromFile(path.join(fixtures, spec.file));
  tokenizer.disableTruncation();
  const single = (await tokenizer.encode('', null, { addSpecialTokens: true })).getIds().length;
  const pairSpecial = (await tokenizer.encode('', '', { addSpecialTokens: true })).getIds().length;
  const { singles, long } = texts(spec.cases);
  const add = async (text, pair, maxLength) => {
    for (const direction of ['left', 'right'])
      out.push({ tokenizer: spec.name, direction, text: indexOf(text), ...(pair != null ? { pair: indexOf(pair) } : {}), max_length: maxLength,
        ...await encode(tokenizer, text, pair, maxLength, direction) });
  };
  for (const text of singles) {
    tokenizer.disableTruncation();
    const full = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds().length;
    // room for the special tokens only, one content token, a few, and exactly at / around the text's own length
    const limits = new Set([single, single + 1, single + 3, 17, full - 1, full, full + 1].filter(l => l >= single));
    for (const limit of limits) await add(text, null, limit);
  }
  for (const text of long) for (const limit of [single, 17, 512, 3001]) await add(text, null, limit);
  for (let i = 0; i + 1 < singles.length; i += 3) {
    const a = singles[i], b = singles[i + 1 + (i % 5)] ?? singles[i + 1];
    for (const limit of [pairSpecial, pairSpecial + 1, 8, 9, 17]) if (limit >= pairSpecial) await add(a, b, limit);
  }
  const query = singles[1];
  for (const limit of [pairSpecial, 9, 1001, 3000])
    for (const [a, b] of [[query, long[0]], [long[0], query], [long[0], long[1]], [long[2], long[0]]]) await add(a, b, limit);
  // Pairs of n one-token words and of m words of several pieces: which text counts as the longer one (it gets the
  // odd token) follows tokenize_with_limit, which stops each text at a word boundary once it reaches max_length.
  const words = (n, word) => Array(n).fill(word).join(' ');
  for (const [x, y] of [['x', 'x'], ['x', 'tokenization'], ['tokenization', 'x'], ['unbelievable', 'tokenization']])
    for (let a = 0; a <= 10; a++) for (let b = 0; b <= 10; b++) for (const limit of [pairSpecial, pairSpecial + 1, pairSpecial + 3, pairSpecial + 4, pairSpecial + 7])
      await add(words(a, x), words(b, y), limit);
  console.log(`${spec.name}: ${out.length} cases so far`);
}
const dir = path.join(fixtures, 'hfcases');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'truncation.json.gz'), zlib.gzipSync(JSON.stringify({ tokenizers: version, texts: textTable, cases: out }), { level: 9 }));
console.log('done');
