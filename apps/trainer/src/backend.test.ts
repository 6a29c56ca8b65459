import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { isCharRnnError } from '@charrnn/core';
import { chooseBackend, describeBackend, type BackendCandidate } from './backend.js';

tf.env().set('IS_TEST', true);

const absent = (provider: string): BackendCandidate => ({
  provider,
  backend: 'tensorflow',
  load: () => {
    const error = new Error(`Cannot find package '${provider}'`) as Error & { code: string };
    error.code = 'ERR_MODULE_NOT_FOUND';
    return Promise.reject(error);
  },
});

const brokenAddon = (provider: string): BackendCandidate => ({
  provider,
  backend: 'tensorflow',
  load: () => Promise.reject(new Error('libtensorflow.so.2: cannot open shared object file\n    at stack')),
});

const cpu: BackendCandidate = {
  provider: '@tensorflow/tfjs-backend-cpu',
  backend: 'cpu',
  load: () => Promise.resolve(),
};

describe('chooseBackend', () => {
  afterEach(() => {
    if (tf.findBackendFactory('fake-broken') !== null) tf.removeBackend('fake-broken');
  });

  it('skips absent and broken native packages and says why', async () => {
    const result = await chooseBackend('auto', [
      absent('@tensorflow/tfjs-node-gpu'),
      brokenAddon('@tensorflow/tfjs-node'),
      cpu,
    ]);
    expect(result.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(result.attempts).toEqual([
      { name: '@tensorflow/tfjs-node-gpu', ok: false, reason: 'not installed' },
      {
        name: '@tensorflow/tfjs-node',
        ok: false,
        reason: 'failed to load: libtensorflow.so.2: cannot open shared object file',
      },
      { name: '@tensorflow/tfjs-backend-cpu', ok: true },
    ]);
    expect(describeBackend(result)).toBe(
      'backend: cpu (@tensorflow/tfjs-backend-cpu); skipped @tensorflow/tfjs-node-gpu: not installed; ' +
        '@tensorflow/tfjs-node: failed to load: libtensorflow.so.2: cannot open shared object file',
    );
  });

  it('skips a backend whose initialisation fails', async () => {
    tf.registerBackend('fake-broken', () => {
      throw new Error('no device');
    });
    const broken: BackendCandidate = {
      provider: 'fake-pkg',
      backend: 'fake-broken',
      load: () => Promise.resolve(),
    };
    const result = await chooseBackend('auto', [broken, cpu]);
    expect(result.name).toBe('cpu');
    expect(result.attempts[0]?.ok).toBe(false);
    expect(result.attempts[0]?.reason).toBe('fake-broken — init failed: no device');
  });

  it('fails with a clear error when the asked backend is unavailable', async () => {
    const error = await chooseBackend('tensorflow', [
      absent('@tensorflow/tfjs-node-gpu'),
      absent('@tensorflow/tfjs-node'),
      cpu,
    ]).catch((e: unknown) => e);
    expect(isCharRnnError(error)).toBe(true);
    expect((error as Error).message).toBe(
      "field --backend: backend 'tensorflow' is not available: @tensorflow/tfjs-node-gpu (not installed); @tensorflow/tfjs-node (not installed)",
    );
  });
});
