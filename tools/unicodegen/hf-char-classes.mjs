// Asks Hugging Face's tokenizers (npm binding of the Rust crate) how its BertNormalizer (one step at a time), its
// Lowercase, NFD and StripAccents normalizers, BertPreTokenizer and added tokens' single_word rule treat every
// Unicode scalar value, and writes
// tests/fixtures/unicode/hf-char-classes.json.gz: only the code points a step changes (sets as [first, last]
// ranges, mappings as code point -> output), so the file stays small. The C# tests check EmbedRt's generated
// tables against it code point by code point; the id sweep (hf-expected.mjs) checks the whole pipeline.
//
// Run: npm install --prefix /tmp/hf tokenizers@0.23.2
//      NODE_PATH=/tmp/hf/node_modules node tools/unicodegen/hf-char-classes.mjs
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const require = createRequire(path.join(process.env.NODE_PATH ?? process.cwd(), 'x.js'));
const { Tokenizer, bertNormalizer, bertPreTokenizer, lowercase, nfdNormalizer, stripAccentsNormalizer } = require('tokenizers');
const version = require('tokenizers/package.json').version;
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

const off = { cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false };
const steps = {
  cleanText: bertNormalizer({ ...off, cleanText: true }),
  handleChineseChars: bertNormalizer({ ...off, handleChineseChars: true }),
  stripAccents: bertNormalizer({ ...off, stripAccents: true }),
  lowercase: bertNormalizer({ ...off, lowercase: true }),
  // The stand-alone normalizers of other pipelines (tokenizer.json "Lowercase", "NFD", "StripAccents").
  Lowercase: lowercase(),
  NFD: nfdNormalizer(),
  StripAccents: stripAccentsNormalizer(),
};
const preTokenizer = bertPreTokenizer();

const codePoints = s => [...s].map(ch => ch.codePointAt(0));
// Sets of code points as sorted [first, last] ranges.
class RangeSet {
  ranges = [];
  add(c) {
    const last = this.ranges.at(-1);
    if (last && last[1] === c - 1) last[1] = c;
    else this.ranges.push([c, c]);
  }
  toJSON() { return this.ranges; }
}
const mapped = () => ({ removed: new RangeSet(), space: new RangeSet(), spaced: new RangeSet(), other: {} });
const result = { tokenizers: version, normalizer: {}, preTokenizer: { whitespace: new RangeSet(), punctuation: new RangeSet() } };
for (const name of Object.keys(steps)) result.normalizer[name] = mapped();
for (let c = 0; c <= 0x10ffff; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const ch = String.fromCodePoint(c);
  for (const [name, normalizer] of Object.entries(steps)) {
    const out = normalizer.normalizeString(ch);
    const step = result.normalizer[name];
    if (out === ch) continue;
    if (out === '') step.removed.add(c);
    else if (out === ' ') step.space.add(c);
    else if (out === ' ' + ch + ' ') step.spaced.add(c);
    else step.other[c] = codePoints(out);
  }
  // "a" + c + "b": one word (letter), two (whitespace, removed) or three (punctuation, isolated).
  const words = preTokenizer.preTokenizeString('a' + ch + 'b').length;
  if (words === 2) result.preTokenizer.whitespace.add(c);
  else if (words === 3) result.preTokenizer.punctuation.add(c);
}
// Added tokens' single_word rule: c + "QQ" finds the single_word token QQ unless c is a word character (regex \w).
const json = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/tokenizers/bert-base-uncased/tokenizer.json'), 'utf8'));
const wordTokenId = Object.keys(json.model.vocab).length; // a new id, after the vocabulary
json.added_tokens.push({ id: wordTokenId, content: 'QQ', single_word: true, lstrip: false, rstrip: false, normalized: false, special: false });
json.normalizer = null;
const singleWord = Tokenizer.fromString(JSON.stringify(json));
const all = [];
for (let c = 0; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) all.push(c);
result.addedTokens = { wordCharacters: new RangeSet() };
for (let i = 0; i < all.length; i += 65536) {
  const chunk = all.slice(i, i + 65536);
  const encodings = await singleWord.encodeBatch(chunk.map(c => String.fromCodePoint(c) + 'QQ'), { addSpecialTokens: false });
  encodings.forEach((e, k) => { if (!e.getIds().includes(wordTokenId)) result.addedTokens.wordCharacters.add(chunk[k]); });
}

const file = path.join(repo, 'tests/fixtures/unicode/hf-char-classes.json.gz');
fs.writeFileSync(file, zlib.gzipSync(JSON.stringify(result), { level: 9 }));
console.log(JSON.stringify(result, (key, value) => value instanceof RangeSet ? value.ranges.length + ' ranges'
  : key === 'other' ? Object.keys(value).length + ' mapped' : value));
