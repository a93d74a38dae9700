// Produces tests/fixtures/unicode/*: the token ids Hugging Face's own tokenizers library (the npm binding of the
// Rust crate) gives for every Unicode scalar value c, as "a" + c + "b" and as c alone, and for accented texts in
// NFC and NFD. EmbedRt's sweep test compares its tokenizers against these files, so CI needs no npm.
//
// Run (the binding is not a CI dependency; install it in a temporary folder):
//   npm install --prefix /tmp/hf tokenizers@0.23.2
//   NODE_PATH=/tmp/hf/node_modules node tools/unicodegen/hf-expected.mjs
//
// Ids file (<config>.ids.gz, gzip): for each scalar value in increasing order (surrogates skipped), the ids of
// "a"+c+"b" then the ids of c, each as an unsigned LEB128 count followed by the ids (special tokens left out).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const require = createRequire(path.join(process.env.NODE_PATH ?? process.cwd(), 'x.js'));
const { Tokenizer } = require('tokenizers');
const version = require('tokenizers/package.json').version;

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const outDir = path.join(repo, 'tests/fixtures/unicode');
const bertVocabularies = ['bert-base-uncased', 'bert-base-chinese', 'baai-bge-small-en', 'bert-base-multilingual-cased'];
// The two ways BERT checkpoints configure casing: uncased (lowercase, accents stripped) and cased (neither).
const casingModes = { uncased: { lowercase: true, strip_accents: null }, cased: { lowercase: false, strip_accents: false } };

function configs() {
  const list = [];
  for (const vocabulary of bertVocabularies) {
    const json = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/tokenizers', vocabulary, 'tokenizer.json'), 'utf8'));
    for (const [mode, settings] of Object.entries(casingModes)) {
      json.normalizer = { ...json.normalizer, ...settings };
      list.push({ name: `${vocabulary}.${mode}`, tokenizer: Tokenizer.fromString(JSON.stringify(json)) });
    }
  }
  list.push({ name: 'xlmr-tiny-m3', tokenizer: Tokenizer.fromFile(path.join(repo, 'tests/fixtures/models/xlmr-tiny-m3/tokenizer.json')) });
  return list;
}

function* scalars() {
  for (let c = 0; c <= 0x10ffff; c++) if (c < 0xd800 || c > 0xdfff) yield c;
}

class Writer {
  bytes = Buffer.alloc(1 << 20);
  length = 0;
  varint(value) {
    if (this.length + 5 > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    do {
      let b = value & 0x7f;
      value >>>= 7;
      this.bytes[this.length++] = value ? b | 0x80 : b;
    } while (value);
  }
  ids(ids) {
    this.varint(ids.length);
    for (const id of ids) this.varint(id);
  }
}

async function encodeAll(tokenizer, texts) {
  const result = [];
  for (let i = 0; i < texts.length; i += 65536) {
    const encodings = await tokenizer.encodeBatch(texts.slice(i, i + 65536), { addSpecialTokens: false });
    for (const e of encodings) result.push(e.getIds());
  }
  return result;
}

// Accented and combining-mark texts, kept as texts since .NET cannot normalize under InvariantGlobalization.
function accentedTexts() {
  const texts = [];
  const sentences = [
    'Élégant café naïve façade résumé', 'Größe Straße Übermaß', 'Ångström Øresund Ærø', 'Tiếng Việt có dấu: người, được, những',
    'Ελληνικά: άλφα, ΐ, ΰ, Ώ', 'Русский: Ёлка, й, Й', 'Čeština: řeč, ů, ď, ť, ň', 'Polski: zażółć gęślą jaźń',
    'Română: ș ț ă î â', 'Türkçe: İstanbul ığdır ŞĞÜÖÇ', 'Español: ¿Qué tal? año, pingüino', 'Français: œuvre, Noël, garçon',
    'Hangul: 한국어 텍스트', 'Devanagari: क़ ख़ ग़ ज़', 'Hebrew: שָׁלוֹם', 'Arabic: مُحَمَّد', 'ǅemal ǈubljana ǋ', 'ﬁ ﬂ ẞ ß ſ',
  ];
  for (const s of sentences) texts.push(s.normalize('NFC'), s.normalize('NFD'));
  // Every precomposed character, decomposed and recomposed, between letters.
  for (const c of scalars()) {
    const ch = String.fromCodePoint(c);
    const nfd = ch.normalize('NFD');
    if (nfd !== ch) texts.push('a' + nfd + 'b', 'x' + ch.normalize('NFC') + ch + 'y');
  }
  // Combining marks in non-canonical order after a base letter: canonical reordering must match.
  const marks = [0x301, 0x323, 0x308, 0x327, 0x31b, 0x345, 0x5b0, 0x5bc, 0x5c1, 0x64b, 0x651, 0x94d, 0x93c, 0x1dc0, 0x20d2, 0x302, 0x316];
  let seed = 12345;
  const random = n => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const bases = ['a', 'E', 'o', 'ı', 'Α', 'ω', 'и', 'א', 'ب', 'क', 'İ', 'ß'];
  for (let i = 0; i < 2000; i++) {
    let s = bases[random(bases.length)];
    for (let k = 1 + random(4); k > 0; k--) s += String.fromCodePoint(marks[random(marks.length)]);
    texts.push('q' + s + 'z');
  }
  return texts;
}

fs.mkdirSync(outDir, { recursive: true });
const all = [...scalars()];
const pairs = all.map(c => 'a' + String.fromCodePoint(c) + 'b');
const alone = all.map(c => String.fromCodePoint(c));
const accented = accentedTexts();
const accentedExpected = {};
for (const { name, tokenizer } of configs()) {
  const started = Date.now();
  const [p, a] = [await encodeAll(tokenizer, pairs), await encodeAll(tokenizer, alone)];
  const writer = new Writer();
  for (let i = 0; i < all.length; i++) {
    writer.ids(p[i]);
    writer.ids(a[i]);
  }
  const gz = zlib.gzipSync(writer.bytes.subarray(0, writer.length), { level: 9 });
  fs.writeFileSync(path.join(outDir, `${name}.ids.gz`), gz);
  accentedExpected[name] = await encodeAll(tokenizer, accented);
  console.log(`${name}: ${writer.length} bytes -> ${gz.length} gzip, ${Date.now() - started} ms`);
}
const accentedJson = JSON.stringify({ tokenizers: version, texts: accented, ids: accentedExpected });
fs.writeFileSync(path.join(outDir, 'accented.json.gz'), zlib.gzipSync(accentedJson, { level: 9 }));
fs.writeFileSync(path.join(outDir, 'PROVENANCE.md'), `Made by Hugging Face tokenizers ${version} (npm binding of the Rust crate), node ${process.version}:
- \`<vocabulary>.<uncased|cased>.ids.gz\`, \`xlmr-tiny-m3.ids.gz\`, \`accented.json.gz\`: tools/unicodegen/hf-expected.mjs
  (format in its header; the vocabularies are tests/fixtures/tokenizers/*, xlmr-tiny-m3 is tests/fixtures/models/xlmr-tiny-m3).
- \`hf-char-classes.json.gz\`: tools/unicodegen/hf-char-classes.mjs.
Both scripts run with the npm package installed in a temporary folder; CI reads only these files.
`);
console.log('done');
