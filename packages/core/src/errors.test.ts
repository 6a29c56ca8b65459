import { describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  CharRnnError,
  InvalidArgumentError,
  InvalidBundleError,
  InvalidConfigError,
  InvalidCorpusError,
  IoError,
  NotFoundError,
  TrainingDivergedError,
  isCharRnnError,
} from './errors.js';

describe('typed errors', () => {
  it('prefix the message with file, line and field', () => {
    const e = new InvalidCorpusError('empty name', { file: 'names/Greek.txt', line: 17 });
    expect(e.message).toBe('names/Greek.txt line 17: empty name');
    expect(String(e)).toBe('InvalidCorpusError: names/Greek.txt line 17: empty name');
    expect([e.file, e.line, e.field]).toEqual(['names/Greek.txt', 17, undefined]);
    expect(new InvalidConfigError('must be > 0', { file: 'train.json', field: 'learningRate' }).message).toBe(
      'train.json field learningRate: must be > 0',
    );
    expect(new InvalidArgumentError('bad', { field: 'batchSize' }).message).toBe('field batchSize: bad');
    expect(new InvalidArgumentError('plain').message).toBe('plain');
    expect(new InvalidArgumentError('x', { line: 3 }).message).toBe('line 3: x');
  });

  it('carry stable codes and names', () => {
    const cases: [CharRnnError, string, string][] = [
      [new InvalidArgumentError('m'), 'INVALID_ARGUMENT', 'InvalidArgumentError'],
      [new InvalidCorpusError('m'), 'INVALID_CORPUS', 'InvalidCorpusError'],
      [new InvalidBundleError('m'), 'INVALID_BUNDLE', 'InvalidBundleError'],
      [new InvalidConfigError('m'), 'INVALID_CONFIG', 'InvalidConfigError'],
      [new BackendUnavailableError('m'), 'BACKEND_UNAVAILABLE', 'BackendUnavailableError'],
      [new IoError('m'), 'IO_ERROR', 'IoError'],
      [new NotFoundError('m'), 'NOT_FOUND', 'NotFoundError'],
      [new TrainingDivergedError('m'), 'TRAINING_DIVERGED', 'TrainingDivergedError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(CharRnnError);
      expect(error).toBeInstanceOf(Error);
      expect(isCharRnnError(error)).toBe(true);
    }
  });

  it('keep the cause and are recognised by isCharRnnError only', () => {
    const cause = new Error('ENOENT');
    const e = new IoError('cannot read', { file: 'x.txt', cause });
    expect(e.cause).toBe(cause);
    expect('cause' in new IoError('no cause')).toBe(false);
    expect(isCharRnnError(cause)).toBe(false);
    expect(isCharRnnError('INVALID_ARGUMENT')).toBe(false);
    expect(isCharRnnError({ code: 'INVALID_ARGUMENT', message: 'fake' })).toBe(false);
  });
});
