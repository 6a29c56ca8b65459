// The tokenizer alone: no model, no tfjs backend needed.
//   node tokenizer-only.mjs Ślusàrski Zoë 王芳
import { Tokenizer, foldToAscii } from '@charrnn/tokenizer';

const names = process.argv.length > 2 ? process.argv.slice(2) : ['Ślusàrski', 'Zoë', 'Müller'];
const tutorial = Tokenizer.tutorial(); // the PyTorch tutorial's alphabet, accents folded away
for (const name of names) {
  console.log(name, '->', foldToAscii(name), Array.from(tutorial.encode(name)));
}
const batch = tutorial.encodeBatch(names, { maxLength: 16 }); // right-padded with PAD_ID (0)
console.log('batch', batch.batchSize, 'x', batch.maxLen, 'lengths', Array.from(batch.lengths));

const unicode = Tokenizer.fromCorpus(names); // keeps every character it saw (NFC code points)
console.log('unicode vocabulary:', unicode.symbols.join(''));
console.log('round trip:', unicode.decode(unicode.encode(names[0] ?? '')));
const saved = JSON.stringify(unicode); // store it next to your model
console.log('restored vocabSize:', Tokenizer.fromJSON(JSON.parse(saved)).vocabSize);
