import { describe, expect, it } from 'vitest';
import { escapeHtml } from './escape_html.js';
import { formatRate, formatScore, formatSeconds } from './format.js';

describe('report formatting', () => {
  it('escapes the five HTML special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('formats durations, rates and scores', () => {
    expect(formatSeconds(42.34)).toBe('42.3 s');
    expect(formatSeconds(725)).toBe('12 min 05 s');
    expect(formatSeconds(7380)).toBe('2 h 03 min');
    expect(formatRate(12345.6)).toBe('12,346');
    expect(formatScore(0.82345)).toBe('0.8235');
    expect(formatScore(Number.NaN)).toBe('–');
  });
});
