import { afterEach, describe, expect, it, vi } from 'vitest';
import { CountProgress } from './count_progress.js';

afterEach(() => vi.restoreAllMocks());

describe('CountProgress', () => {
  it('draws one line in place on a terminal, at most four times a second, and clears it', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => (written.push(String(text)), true));
    const progress = new CountProgress('predict', true);
    progress.update(4096);
    progress.update(8192); // within 0.25 s of the first: not drawn
    progress.done();
    expect(written).toHaveLength(2);
    expect(written[0]?.startsWith('\rpredict: 4,096 names, ')).toBe(true);
    expect(written[0]?.endsWith(' names/s\u001b[K')).toBe(true);
    expect(written[1]).toBe('\r\u001b[K');
  });

  it('prints nothing when standard error is not a terminal (a log file gets no progress noise)', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const progress = new CountProgress('predict', false);
    progress.update(10);
    progress.done();
    expect(write).not.toHaveBeenCalled();
  });
});
