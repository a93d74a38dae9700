// Produces tests/fixtures/hfcases/offsets.json.gz: the tokens and character offsets Hugging Face's own tokenizers
// library (npm binding of the Rust crate) gives, with special tokens, on the committed BERT vocabularies (uncased,
// Chinese, multilingual cased) and the XLM-R (BGE-M3 style) tokenizer, over every fixture text plus texts chosen to
// move offsets: accents in NFC and NFD, CJK, emoji sequences, combining marks, control chars, literal special
// tokens, runs of spaces, fullwidth and ligature forms. EmbedRt's tests read the file, so CI needs no npm.
//
// Run: npm install --prefix /tmp/hf tokenizers@0.23.2 && NODE_PATH=/tmp/hf/node_modules node tools/hfcases/offsets.mjs
//
// Format: { tokenizers, texts, cases: [{ tokenizer, text, ids, offsets: [[start, end]], special }] }, text an index
// into texts, offsets in UTF-16 code units (the binding gives code points; converted here), special the
// special_tokens_mask.
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

const extra = [
  '', ' ', '  leading and trailing  ', 'a  b   c    d', 'tab\tnew\nline\r\nend', 'Héllo Wörld', 'He\u0301llo Wo\u0308rld',
  'e\u0301a\u0323\u0301b', 'q\u0323\u0307z a\u0308\u0304 o\u031b\u0303', '中文测试，你好！', '混合English和中文123', '한국어 텍스트 한글',
  'ｈｅｌｌｏ　ｗｏｒｌｄ　１２３', 'ﬁne ﬂow ẞ ß ſ', '①②③ ㈱ ㎏ ™', 'emoji 😀 👍🏽 👨‍👩‍👧 🇫🇷 ❤️', 'a\u200bb\u200cc\u200dd\ufeffe',
  'ctrl\u0000\u0001\u0007\u001b\u007f\u0085\u00adx', 'İstanbul ıi ΣΑΣ ﬃ Ǆ', 'שָׁלוֹם مُحَمَّد क़ ज़', 'Tiếng Việt có dấu',
  'hello [MASK] world [SEP] x [UNK][CLS]', 'x <mask> y <s> </s> <unk>z', '[MASK]', '<mask>', 'word' + '\u0301'.repeat(5),
  'https://example.com/a?b=c&d=e#f', 'C++ (x+y)^2 = x²+2xy+y²', '$100.00 — “quoted” ‘single’ …', 'a'.repeat(120) + ' b',
  '𝐀𝐁𝐂 𝟏𝟐𝟑 𠀀𠀁 🀄', '\u3000\u3000全角空白', 'Ǆemal ǈubljana', 'x\u0300\u0301\u0302\u0303\u0304\u0305y',
  // hostile: control chars the charsmap removes at the start of a text or after an added token (HF loses their
  // count there, shifting every later offset), combining marks alone, variation selectors, tag sequences
  '\u0001\u0007\u001b[31mred', '\u0001a b', '\u0000\u0000x 😀 y 𠀀z', '\u0001 \u0002x', '[MASK]\u0001\u0001ab cd', '<mask>\u0001x',
  'ok \u0001x', '\u0301\u0301\u0301', 'a \u0301\u0302 b', '☃\ufe0f ☃\ufe0e a\ufe0fb', '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
  'co\u00adop\u00ad', 'a\u2028b\u2029c\u0085d', 'a\rb\rc', '1\ufe0f\u20e3 #\u20e3', '\ufffd\ufffd x \ufffd', '\ufeffhello',
];

function texts(casesOf) {
  const lines = fs.readFileSync(path.join(fixtures, 'tokenizers', casesOf, 'cases.jsonl'), 'utf8').split('\n').filter(l => l);
  return [...new Set([...lines.map(l => JSON.parse(l).text), ...extra])];
}

// code point offsets → UTF-16 offsets
function utf16(text) {
  const map = [0];
  let u = 0;
  for (const ch of text) { u += ch.length; map.push(u); }
  return i => map[i];
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
  for (const text of texts(spec.cases)) {
    const e = await tokenizer.encode(text, null, { addSpecialTokens: true });
    const toUtf16 = utf16(text);
    out.push({ tokenizer: spec.name, text: indexOf(text), ids: e.getIds(),
      offsets: e.getOffsets().map(([s, t]) => [toUtf16(s), toUtf16(t)]), special: e.getSpecialTokensMask() });
  }
  console.log(`${spec.name}: ${out.length} cases so far`);
}
const dir = path.join(fixtures, 'hfcases');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'offsets.json.gz'), zlib.gzipSync(JSON.stringify({ tokenizers: version, texts: textTable, cases: out }), { level: 9 }));
console.log('done');
