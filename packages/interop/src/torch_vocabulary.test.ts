import { InvalidArgumentError } from '@charrnn/core';
import { describe, expect, it } from 'vitest';
import { parseTorchModuleMap } from './torch_module_map.js';
import {
  tutorialVocabulary,
  unicodeVocabulary,
  vocabularyFromLines,
  vocabularyTokenizer,
} from './torch_vocabulary.js';

describe('vocabularies', () => {
  it('maps code-point ids (ord(c)) onto charrnn ids, NFC, leaving out what NFC never produces', () => {
    const { tokenizer, sourceRows, droppedRows } = vocabularyTokenizer(unicodeVocabulary(0x350));
    expect(tokenizer.normalization).toBe('unicode');
    const [a, e] = Array.from(tokenizer.encode('Aé'));
    expect(sourceRows[a as number]).toBe(0x41);
    expect(sourceRows[e as number]).toBe(0xe9);
    expect(droppedRows).toEqual([]);
    // Combining marks that NFC replaces (U+0340 → U+0300) are rows no text can reach.
    expect([0x340, 0x341, 0x343, 0x344].map((cp) => unicodeVocabulary(0x350).rows[cp])).toEqual(
      Array(4).fill('unused'),
    );
    expect(sourceRows[0]).toBe(-1); // no PAD row: zeros
  });

  it("reads a vocabulary file's <pad> / <unk> lines and folds when every symbol is in the tutorial alphabet", () => {
    const v = vocabularyFromLines('<pad>\n<unk>\na\nb\n', 'vocab.txt');
    expect(v.normalization).toBe('ascii-fold');
    const { tokenizer, sourceRows } = vocabularyTokenizer(v);
    expect(Array.from(sourceRows)).toEqual([0, 1, 2, 3]);
    expect(tokenizer.symbols).toEqual(['a', 'b']);
    expect(vocabularyFromLines('ж\na\n', 'v.txt').normalization).toBe('unicode');
  });

  it('names the file and line of a bad vocabulary line', () => {
    expect(() => vocabularyFromLines('a\nab\n', 'vocab.txt')).toThrow(
      'vocab.txt line 2: must hold one symbol',
    );
    expect(() => vocabularyFromLines('a\nb\na\n', 'vocab.txt')).toThrow(
      'vocab.txt line 3: repeats an earlier symbol',
    );
  });

  it('knows the tutorial alphabet by its row count (57 tutorial ids, 59 charrnn ids), refuses others', () => {
    expect(tutorialVocabulary(57).rows[0]).toEqual({ symbol: 'a' });
    expect(tutorialVocabulary(59).rows.slice(0, 3)).toEqual(['pad', 'unk', { symbol: 'a' }]);
    expect(() => tutorialVocabulary(58)).toThrow(InvalidArgumentError);
  });
});

describe('parseTorchModuleMap', () => {
  it('accepts the known parts and refuses anything else naming the file and key', () => {
    expect(parseTorchModuleMap({ rnn: 'enc.gru', linear: '' }, 'map.json')).toEqual({
      rnn: 'enc.gru',
      linear: '',
    });
    expect(() => parseTorchModuleMap({ decoder: 'x' }, 'map.json')).toThrow(
      'map.json field decoder: unknown part "decoder"',
    );
    expect(() => parseTorchModuleMap({ rnn: 3 }, 'map.json')).toThrow(
      'map.json field rnn: must be a module path string',
    );
    expect(() => parseTorchModuleMap([], 'map.json')).toThrow('map.json: must be a JSON object');
  });
});
