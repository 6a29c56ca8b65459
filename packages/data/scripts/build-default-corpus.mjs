#!/usr/bin/env node
// Builds packages/data/src/default-corpus/corpus.json and PROVENANCE.md from the surname lists
// shipped in @faker-js/faker's locale definitions (MIT). Run once, by hand, when the faker
// version changes:
//
//   node packages/data/scripts/build-default-corpus.mjs --exclude-dir ../shared/datasets/names
//
// Only faker's raw `person.last_name` arrays are read (no random generation). The optional
// `--exclude-dir <dir of Label.txt>` names the tutorial data set: it is read ONLY to REMOVE every
// faker surname that also occurs there (compared folded and case-insensitively), so that the
// shipped corpus is disjoint from the tutorial data and a model trained on it can be evaluated
// on that data without leakage. Nothing from that directory is written anywhere.
import { writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { allLocales } from '@faker-js/faker';
import { format, resolveConfig } from 'prettier';

const require = createRequire(import.meta.url);
const fakerVersion = JSON.parse(
  readFileSync(require.resolve('@faker-js/faker/package.json'), 'utf8'),
).version;
const fakerLicense = readFileSync(
  require.resolve('@faker-js/faker/package.json').replace(/package\.json$/, 'LICENSE'),
  'utf8',
);
const outDir = fileURLToPath(new URL('../src/default-corpus/', import.meta.url));

// Label -> faker locales whose surname lists are merged into it. Locales left out on purpose:
// ar, fa, he, ur, ku_ckb (consonant-only scripts: transliteration loses the vowels), ja (kanji:
// generic transliterators give Chinese readings), zh_CN/zh_TW (Hanzi would need a pinyin table;
// en_HK's romanised Cantonese surnames are used for Chinese instead), th, dv, ne (scripts without
// a short transliteration table here), fr_BE (a copy of the English list), en_NG and id_ID (their
// "last names" mix in given names), eo (Esperantists of every origin), az and ku_kmr_latin (tiny,
// mostly Turkish names already covered), en_IE/en_GB/en_US/en_CA/fr_CA/fr_LU/en_BORK (no list of
// their own), en_ZA (a mix of English, Afrikaans, Zulu and Indian names already covered).
const LABELS = {
  Afrikaans: ['af_ZA'],
  Armenian: ['hy'],
  Chinese: ['en_HK'],
  Croatian: ['hr'],
  Czech: ['cs_CZ'],
  Danish: ['da'],
  Dutch: ['nl', 'nl_BE'],
  English: ['en', 'en_AU', 'en_AU_ocker'],
  Finnish: ['fi'],
  French: ['fr', 'fr_CH'],
  Georgian: ['ka_GE'],
  German: ['de', 'de_AT', 'de_CH'],
  Ghanaian: ['en_GH'],
  Greek: ['el'],
  Hungarian: ['hu'],
  Indian: ['en_IN'],
  Italian: ['it'],
  Korean: ['ko'],
  Latvian: ['lv'],
  Macedonian: ['mk'],
  Nepali: ['en_NP'],
  Norwegian: ['nb_NO'],
  Polish: ['pl'],
  Portuguese: ['pt_BR', 'pt_PT'],
  Romanian: ['ro', 'ro_MD'],
  Russian: ['ru'],
  Senegalese: ['fr_SN'],
  Serbian: ['sr_RS_latin'],
  Slovak: ['sk'],
  Slovenian: ['sl_SI'],
  Spanish: ['es', 'es_MX'],
  Swedish: ['sv'],
  Turkish: ['tr'],
  Ukrainian: ['uk'],
  Uzbek: ['uz_UZ_latin'],
  Vietnamese: ['vi'],
  Yoruba: ['yo_NG'],
  Zulu: ['zu_ZA'],
};

// ---------------------------------------------------------------------------------------------
// Transliteration. Every table maps lower-case letters; upper case is handled by case-mapping
// the input letter and capitalising the output. Output is plain ASCII letters.

/** Parses `'а=a б=b ъ='` (whitespace-separated `from=to` pairs) into a lookup object. */
function table(text) {
  return Object.fromEntries(
    text
      .trim()
      .split(/\s+/u)
      .map((pair) => {
        const at = pair.indexOf('=', 1);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );
}

/** Russian Cyrillic, simplified BGN/PCGN without diacritics or apostrophes. */
const RUSSIAN = table(`
  а=a б=b в=v г=g д=d е=e ё=e ж=zh з=z и=i й=y к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u ф=f
  х=kh ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e ю=yu я=ya
`);
/** Ukrainian national transliteration (2010), simplified: г h, ґ g, и y, і i, ї yi, є ye. */
const UKRAINIAN = {
  ...RUSSIAN,
  ...table(`
  г=h ґ=g е=e є=ye и=y і=i ї=yi й=y х=kh щ=shch ь= ’= '= ʼ=
`),
};
/** Macedonian official romanisation without diacritics (ѓ gj, ќ kj, ѕ dz, џ dzh, ж zh, ч ch, ш sh). */
const MACEDONIAN = {
  ...RUSSIAN,
  ...table(`
  ѓ=gj ѕ=dz ј=j љ=lj њ=nj ќ=kj џ=dzh х=h ц=c
`),
};
/**
 * Modern Greek, ELOT 743 simplified: ου ou; αυ/ευ/ηυ av/ev/iv, but af/ef/if before a voiceless
 * consonant or at the end; μπ/ντ/γκ at the start b/d/g; γγ ng.
 */
const GREEK_DIGRAPHS = [
  ['ου', 'ou'],
  ['γγ', 'ng'],
  ['γξ', 'nx'],
  ['γχ', 'nch'],
];
/** Rewrites the υ of αυ/ευ/ηυ as φ (voiceless context) or β, so the letter table finishes the job. */
function greekVowelUpsilon(name) {
  return name
    .normalize('NFD')
    .toLowerCase()
    .replace(/([αεη])υ(\u0301?)(?!\u0308)(?=[θκξπστφχψς]|\s|$)/gu, '$1φ$2')
    .replace(/([αεη])υ(\u0301?)(?!\u0308)/gu, '$1β$2');
}
const GREEK_INITIAL = [
  ['μπ', 'b'],
  ['ντ', 'd'],
  ['γκ', 'g'],
];
const GREEK = table(`
  α=a β=v γ=g δ=d ε=e ζ=z η=i θ=th ι=i κ=k λ=l μ=m ν=n ξ=x ο=o π=p ρ=r σ=s ς=s τ=t υ=y φ=f
  χ=ch ψ=ps ω=o
`);
/** Georgian Mkhedruli, national system without the ejective apostrophes. */
const GEORGIAN = table(`
  ა=a ბ=b გ=g დ=d ე=e ვ=v ზ=z თ=t ი=i კ=k ლ=l მ=m ნ=n ო=o პ=p ჟ=zh რ=r ს=s ტ=t უ=u ფ=p ქ=k
  ღ=gh ყ=q შ=sh ჩ=ch ც=ts ძ=dz წ=ts ჭ=ch ხ=kh ჯ=j ჰ=h
`);
/** Armenian, BGN/PCGN simplified (ու u, և ev; ե ye and ո vo at the start of a name). */
const ARMENIAN_DIGRAPHS = [['ու', 'u']];
const ARMENIAN_INITIAL = [
  ['ե', 'ye'],
  ['ո', 'vo'],
];
const ARMENIAN = table(`
  ա=a բ=b գ=g դ=d ե=e զ=z է=e ը=y թ=t ժ=zh ի=i լ=l խ=kh ծ=ts կ=k հ=h ձ=dz ղ=gh ճ=ch մ=m յ=y
  ն=n շ=sh ո=o չ=ch պ=p ջ=j ռ=r ս=s վ=v տ=t ր=r ց=ts փ=p ք=k և=ev օ=o ֆ=f
`);

/**
 * Korean: Revised Romanisation of each Hangul syllable (initial + vowel + final), except for the
 * surnames below, which are written in their customary spelling (Kim, not Gim; Lee, not I).
 */
const HANGUL_INITIALS = [
  'g',
  'kk',
  'n',
  'd',
  'tt',
  'r',
  'm',
  'b',
  'pp',
  's',
  'ss',
  '',
  'j',
  'jj',
  'ch',
  'k',
  't',
  'p',
  'h',
];
const HANGUL_VOWELS = [
  'a',
  'ae',
  'ya',
  'yae',
  'eo',
  'e',
  'yeo',
  'ye',
  'o',
  'wa',
  'wae',
  'oe',
  'yo',
  'u',
  'wo',
  'we',
  'wi',
  'yu',
  'eu',
  'ui',
  'i',
];
const HANGUL_FINALS = [
  '',
  'k',
  'k',
  'k',
  'n',
  'n',
  'n',
  't',
  'l',
  'k',
  'm',
  'l',
  'l',
  'l',
  'p',
  'l',
  'm',
  'p',
  'p',
  't',
  't',
  'ng',
  't',
  't',
  'k',
  't',
  'p',
  't',
];
const KOREAN_CUSTOMARY = table(`
  김=Kim 이=Lee 박=Park 최=Choi 정=Jung 강=Kang 조=Cho 윤=Yoon 장=Jang 임=Lim 오=Oh 신=Shin 권=Kwon 안=Ahn
  류=Ryu 유=Yoo 전=Jeon 고=Ko 문=Moon 손=Son 노=Noh 심=Shim 곽=Kwak 성=Sung 주=Joo 우=Woo 구=Koo 엄=Um
  천=Chun 공=Kong 현=Hyun 변=Byun 기=Ki 금=Keum 국=Kook 명=Myung 형=Hyung
`);
function romaniseHangul(word) {
  if (KOREAN_CUSTOMARY[word] !== undefined) return KOREAN_CUSTOMARY[word];
  let out = '';
  for (const ch of word) {
    const s = ch.codePointAt(0) - 0xac00;
    if (s < 0 || s >= 11172) throw new Error(`not a Hangul syllable: ${ch} in ${word}`);
    out +=
      HANGUL_INITIALS[Math.floor(s / 588)] +
      HANGUL_VOWELS[Math.floor((s % 588) / 28)] +
      HANGUL_FINALS[s % 28];
  }
  return capitalise(out);
}

/**
 * Latin letters that Unicode NFD does not decompose into base letter + combining mark, so that
 * folding to the tutorial alphabet would silently drop them. Letters with combining marks
 * (é, š, ő, ă...) are kept: NFD folding handles them, and the Unicode tokenizer can use them.
 */
const LATIN_EXTRA = table(`
  ł=l Ł=L đ=d Đ=D ø=o Ø=O æ=ae Æ=Ae œ=oe Œ=Oe ß=ss ı=i ə=a Ə=A þ=th Þ=Th ð=d Ð=D ħ=h ŋ=ng
  ɔ=o Ɔ=O ε=e Ɛ=E ɛ=e ’=' ‘=' ʻ=' ʼ=' \`='
`);

function capitalise(s) {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

/** Maps one word with a lower-case table, digraphs and word-initial rules; keeps capitalisation of the first letter. */
function mapScript(name, table, { digraphs = [], initial = [] } = {}) {
  // Greek accents (tonos) are combining marks after NFD; drop them before the table lookup.
  const words = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .split(/([\s-]+)/u);
  return words
    .map((word) => {
      if (/^[\s-]*$/u.test(word)) return word;
      const lower = word.toLowerCase();
      let out = '';
      let i = 0;
      outer: while (i < lower.length) {
        if (i === 0) {
          for (const [from, to] of initial) {
            if (lower.startsWith(from)) {
              out += to;
              i += from.length;
              continue outer;
            }
          }
        }
        for (const [from, to] of digraphs) {
          if (lower.startsWith(from, i)) {
            out += to;
            i += from.length;
            continue outer;
          }
        }
        const ch = lower[i];
        const mapped = table[ch];
        if (mapped === undefined)
          throw new Error(`no transliteration for ${JSON.stringify(ch)} in ${JSON.stringify(name)}`);
        out += mapped;
        i += 1;
      }
      return capitalise(out);
    })
    .join('');
}

const SCRIPT_OF_LOCALE = {
  ru: (n) => mapScript(n, RUSSIAN),
  uk: (n) => mapScript(n, UKRAINIAN),
  mk: (n) => mapScript(n, MACEDONIAN),
  el: (n) => mapScript(greekVowelUpsilon(n), GREEK, { digraphs: GREEK_DIGRAPHS, initial: GREEK_INITIAL }),
  ka_GE: (n) => mapScript(n, GEORGIAN),
  hy: (n) => mapScript(n, ARMENIAN, { digraphs: ARMENIAN_DIGRAPHS, initial: ARMENIAN_INITIAL }),
  ko: romaniseHangul,
};

const TRANSLITERATION_NOTES = {
  ru: 'Russian Cyrillic, simplified BGN/PCGN: ж zh, х kh, ц ts, ч ch, ш sh, щ shch, ы y, й y, ю yu, я ya, ё/е/э e; ъ and ь dropped',
  uk: 'Ukrainian national system (2010), simplified: г h, ґ g, и y, і i, ї yi, є ye, й y, х kh, щ shch; ь and apostrophes dropped',
  mk: 'Macedonian official romanisation without diacritics: ѓ gj, ќ kj, ѕ dz, ј j, љ lj, њ nj, џ dzh, ж zh, ч ch, ш sh, ц c, х h',
  el: 'Greek, ELOT 743 simplified: accents dropped; ου ou, αυ/ευ/ηυ av/ev/iv (af/ef/if before θ κ ξ π σ τ φ χ ψ or at the end), γγ ng; μπ b, ντ d, γκ g at the start; β v, η/ι/υ i/i/y, θ th, ξ x, φ f, χ ch, ψ ps, ω o',
  ka_GE:
    'Georgian, national system without ejective apostrophes: თ/ტ t, ფ/პ p, ქ/კ k, ც/წ ts, ჩ/ჭ ch, ღ gh, ყ q, შ sh, ჟ zh, ძ dz, ხ kh, ჯ j',
  hy: 'Armenian, BGN/PCGN simplified: ու u, և ev, ե ye and ո vo at the start; թ/տ t, փ/պ p, ք/կ k, ծ/ց ts, ճ/չ ch, ժ zh, խ kh, ղ gh, ձ dz, ջ j, ը y',
  ko:
    'Korean Hangul, Revised Romanisation per syllable (initial + vowel + final); customary spellings for common surnames: ' +
    Object.entries(KOREAN_CUSTOMARY)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
};

// ---------------------------------------------------------------------------------------------

const TUTORIAL_ALPHABET = /^[A-Za-z .,;']+$/u;

function surnames(locale) {
  const def = allLocales[locale];
  if (def === undefined) throw new Error(`faker has no locale ${locale}`);
  const raw = def.person?.last_name;
  if (raw === undefined) throw new Error(`faker locale ${locale} has no person.last_name`);
  const lists = Array.isArray(raw) ? [raw] : Object.values(raw);
  return lists.flat();
}

function clean(name, locale) {
  let text = name.normalize('NFC').trim().replace(/\s+/gu, ' ');
  const script = SCRIPT_OF_LOCALE[locale];
  if (script !== undefined) text = script(text);
  text = [...text].map((ch) => LATIN_EXTRA[ch] ?? ch).join('');
  // Hyphenated double names: the tutorial alphabet has no hyphen; join the parts with a space.
  text = text.replace(/-+/gu, ' ').replace(/\s+/gu, ' ').trim();
  const folded = text.normalize('NFD').replace(/\p{M}/gu, '');
  return { name: text.normalize('NFC'), folded };
}

const labels = {};
const sources = [];
const dropped = [];
let rawCount = 0;
const foldKey = (name) =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
const excludeAt = process.argv.indexOf('--exclude-dir');
const excludeDir = excludeAt >= 0 ? process.argv[excludeAt + 1] : undefined;
const excluded = new Set();
if (excludeDir !== undefined) {
  for (const file of readdirSync(excludeDir).filter((f) => f.endsWith('.txt'))) {
    for (const line of readFileSync(`${excludeDir}/${file}`, 'utf8').split(/\r?\n/)) {
      if (line.trim() !== '') excluded.add(foldKey(line.trim()));
    }
  }
}
let removedAsTutorial = 0;
// A label with only a handful of names teaches nothing and makes macro metrics noise.
const MIN_NAMES_PER_LABEL = 30;
const tooSmall = [];
for (const [label, locales] of Object.entries(LABELS)) {
  const seen = new Set();
  const names = [];
  const perLocale = [];
  for (const locale of locales) {
    const list = surnames(locale);
    rawCount += list.length;
    let added = 0;
    for (const raw of list) {
      const { name, folded } = clean(raw, locale);
      if (folded.length === 0 || !TUTORIAL_ALPHABET.test(folded)) {
        dropped.push(`${label} (${locale}): ${JSON.stringify(raw)} -> ${JSON.stringify(folded)}`);
        continue;
      }
      if (seen.has(name)) continue;
      seen.add(name);
      if (excluded.has(foldKey(name))) {
        removedAsTutorial += 1;
        continue;
      }
      names.push(name);
      added += 1;
    }
    perLocale.push(`${locale} (${list.length} listed, ${added} new)`);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length < MIN_NAMES_PER_LABEL) {
    tooSmall.push(`${label} (${names.length} names left)`);
    continue;
  }
  labels[label] = names;
  sources.push({ label, perLocale, count: names.length });
}

const count = Object.values(labels).reduce((n, names) => n + names.length, 0);
const byName = new Map();
for (const [label, names] of Object.entries(labels)) {
  for (const name of names) byName.set(name, [...(byName.get(name) ?? []), label]);
}
const shared = [...byName.entries()].filter(([, ls]) => ls.length > 1);

const corpus = {
  source: `@faker-js/faker ${fakerVersion} locale surname lists (person.last_name)`,
  license: 'MIT',
  notice: fakerLicense.trim(),
  labels,
};
writeFileSync(`${outDir}corpus.json`, JSON.stringify(corpus) + '\n');

const lines = [
  '# Default corpus provenance',
  '',
  'Generated by `packages/data/scripts/build-default-corpus.mjs`; do not edit by hand.',
  '',
  `- Source: the surname lists (\`person.last_name\`) of \`@faker-js/faker\` ${fakerVersion}'s locale`,
  '  definitions, read directly (no random generation).',
  '- Licence: MIT (faker-js, reproduced below); the same licence applies to `corpus.json`.',
  `- ${Object.keys(labels).length} labels, ${count} (name, label) pairs, ${byName.size} distinct names;`,
  `  ${rawCount} list entries read, ${dropped.length} dropped, the rest were duplicates within a label.`,
  excludeDir === undefined
    ? '- Not checked against the tutorial names data (no `--exclude-dir` given).'
    : `- Disjoint from the tutorial names data: ${removedAsTutorial} faker surnames that also occur there` +
      ' (compared folded to ASCII letters, case-insensitively) were removed. The tutorial data was' +
      ' read only for that comparison; nothing of it is stored.',
  tooSmall.length === 0
    ? `- Every label kept at least ${MIN_NAMES_PER_LABEL} names.`
    : `- Labels left with fewer than ${MIN_NAMES_PER_LABEL} names were removed: ${tooSmall.join(', ')}.`,
  `- ${shared.length} names appear under more than one label (for example ${shared
    .slice(0, 5)
    .map(([n, ls]) => `${n}: ${ls.join('/')}`)
    .join('; ')}). They are kept under each label, as in the tutorial data.`,
  '',
  '## Cleaning',
  '',
  '- Names are NFC-normalised and trimmed; hyphens become spaces (the tutorial alphabet has none).',
  '- Letters with combining marks (é, š, ő...) are kept: folding to ASCII removes the marks.',
  '- Latin letters that do not decompose are replaced: ' +
    Object.entries(LATIN_EXTRA)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') +
    '.',
  '- Every name folds (NFD, drop combining marks) to a non-empty string over the tutorial',
  "  alphabet `A-Za-z .,;'`; names that do not are dropped (listed below).",
  '',
  '## Transliteration',
  '',
  ...Object.entries(TRANSLITERATION_NOTES).map(([locale, note]) => `- \`${locale}\`: ${note}.`),
  '',
  '## Labels',
  '',
  '| label | faker locales (entries listed, new names added) | names |',
  '| --- | --- | --- |',
  ...sources.map((s) => `| ${s.label} | ${s.perLocale.join(', ')} | ${s.count} |`),
  '',
  '## Left out',
  '',
  '- `ar`, `fa`, `he`, `ur`, `ku_ckb`: consonant-only scripts lose their vowels in transliteration.',
  '- `ja`: kanji; generic transliterators give Chinese readings. `zh_CN`, `zh_TW`: Hanzi would need',
  "  a pinyin table; `en_HK`'s romanised (Cantonese) surnames stand for Chinese instead.",
  '- `th`, `dv`, `ne`: no short transliteration table here (`en_NP` covers Nepali in Latin script).',
  '- `fr_BE`: a copy of the English list. `en_NG`, `id_ID`: their lists mix in given names.',
  '- `eo`: Esperantists of every origin. `az`, `ku_kmr_latin`: tiny, mostly covered by Turkish.',
  '- `en_ZA`: a mix of English, Afrikaans, Zulu and Indian surnames, all covered by other labels.',
  '- `en_IE`, `en_GB`, `en_US`, `en_CA`, `fr_CA`, `fr_LU`: no surname list of their own.',
  '- No locale provides Arabic (in Latin script), Irish, Japanese (romaji) or Scottish surnames.',
  '',
  `## Dropped entries (${dropped.length})`,
  '',
  ...(dropped.length === 0 ? ['None.'] : dropped.map((d) => `- ${d}`)),
  '',
  '## faker-js licence',
  '',
  '```text',
  fakerLicense.trim(),
  '```',
  '',
];
// Formatted with the repository's Prettier settings so that `prettier --check` stays green.
const provenancePath = `${outDir}PROVENANCE.md`;
const prettierOptions = (await resolveConfig(provenancePath)) ?? {};
writeFileSync(
  provenancePath,
  await format(lines.join('\n'), { ...prettierOptions, filepath: provenancePath }),
);
console.log(
  `${Object.keys(labels).length} labels, ${count} names (${byName.size} distinct), ${dropped.length} dropped`,
);
for (const s of sources) console.log(`  ${s.label}: ${s.count}`);
