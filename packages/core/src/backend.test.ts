import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeSelection, selectBackend } from './backend.js';
import { BackendUnavailableError } from './errors.js';

/** A backend that initialises but has no kernels: every op fails. */
class BrokenBackend extends tf.KernelBackend {
  override dispose(): void {}
}

const fakes: string[] = [];
function registerFake(name: string, factory: () => tf.KernelBackend | Promise<tf.KernelBackend>): void {
  tf.registerBackend(name, factory, -1);
  fakes.push(name);
}

beforeAll(() => {
  tf.env().set('IS_TEST', true);
});

afterEach(async () => {
  for (const name of fakes.splice(0)) tf.removeBackend(name);
  await tf.setBackend('cpu');
});

describe('selectBackend', () => {
  it('selects cpu and records the skipped, unregistered backends', async () => {
    const selection = await selectBackend(['tensorflow', 'webgpu', 'cpu']);
    expect(selection).toEqual({
      name: 'cpu',
      attempts: [
        { name: 'tensorflow', ok: false, reason: 'not registered (package not imported)' },
        { name: 'webgpu', ok: false, reason: 'not registered (package not imported)' },
        { name: 'cpu', ok: true },
      ],
    });
    expect(tf.getBackend()).toBe('cpu');
    expect(describeSelection(selection)).toBe(
      'backend cpu (skipped: tensorflow — not registered (package not imported); webgpu — not registered (package not imported))',
    );
  });

  it('reports the message of a factory that throws or rejects', async () => {
    registerFake('fake-throws', () => {
      throw new Error('no GPU here');
    });
    registerFake('fake-rejects', () => Promise.reject(new Error('wasm fetch failed')));
    const selection = await selectBackend(['fake-throws', 'fake-rejects', 'cpu'], { tf });
    expect(selection.name).toBe('cpu');
    expect(selection.attempts).toEqual([
      { name: 'fake-throws', ok: false, reason: 'init failed: no GPU here' },
      { name: 'fake-rejects', ok: false, reason: 'init failed: wasm fetch failed' },
      { name: 'cpu', ok: true },
    ]);
  });

  it('skips a backend that initialises but cannot compute', async () => {
    registerFake('fake-broken', () => new BrokenBackend());
    const selection = await selectBackend(['fake-broken', 'cpu']);
    expect(selection.name).toBe('cpu');
    expect(selection.attempts[0]?.ok).toBe(false);
    expect(selection.attempts[0]?.reason).toMatch(/^smoke test failed: .*write/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('accepts the broken backend when verification is off', async () => {
    registerFake('fake-broken', () => new BrokenBackend());
    const selection = await selectBackend(['fake-broken', 'cpu'], { verify: false });
    expect(selection).toEqual({ name: 'fake-broken', attempts: [{ name: 'fake-broken', ok: true }] });
  });

  it('throws BackendUnavailableError listing every attempt when none works', async () => {
    registerFake('fake-throws', () => {
      throw new Error('no GPU here');
    });
    const failure = selectBackend(['webgl', 'fake-throws']);
    await expect(failure).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(selectBackend(['webgl', 'fake-throws'])).rejects.toThrow(
      'no usable tfjs backend (webgl — not registered (package not imported); fake-throws — init failed: no GPU here)',
    );
    await expect(selectBackend([])).rejects.toThrow('no usable tfjs backend (no backend was requested)');
    await expect(selectBackend([])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('leaves no tensors behind', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    await selectBackend(['cpu']);
    await selectBackend(['cpu']);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('describeSelection', () => {
  it('omits the skipped list when the first choice worked', () => {
    expect(describeSelection({ name: 'wasm', attempts: [{ name: 'wasm', ok: true }] })).toBe('backend wasm');
  });
});
