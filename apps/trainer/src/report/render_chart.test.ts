import { describe, expect, it } from 'vitest';
import { renderPng } from './render_chart.js';

const svg = (body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><rect width="200" height="40" fill="white"/>${body}</svg>`;

describe('renderPng', () => {
  it('draws text with the bundled font, whatever fonts the machine has', () => {
    const blank = renderPng(svg(''));
    const text = renderPng(
      svg('<text x="4" y="28" font-family="sans-serif" font-size="20">Vietnamese 0.82</text>'),
    );
    // Without a loaded font resvg silently drops text and both images compress the same.
    expect(text.length).toBeGreaterThan(blank.length + 300);
  });

  it('renders at twice the SVG size', () => {
    const png = renderPng(svg(''));
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([400, 80]);
  });
});
