import { createRequire } from 'node:module';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Font family every chart uses; the PNG renderer maps it to the DejaVu files shipped on npm. */
export const CHART_FONT = 'DejaVu Sans, Verdana, sans-serif';

/** Zoom of the PNG relative to the SVG's own size, so the raster stays sharp on HiDPI screens. */
const PNG_SCALE = 2;

let fontFiles: string[] | undefined;

/**
 * The TrueType files resvg renders text with. They come from the `dejavu-fonts-ttf` npm package,
 * so PNG text never depends on the fonts (or fontconfig) installed on the machine.
 */
function chartFontFiles(): string[] {
  if (fontFiles === undefined) {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = [path.join(dir, 'DejaVuSans.ttf'), path.join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

/**
 * Compiles a Vega-Lite spec and renders it headless to an SVG document (no DOM, no canvas).
 * Vega escapes all text it places in the SVG.
 */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vegaSpec } = compile(spec);
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG document to PNG bytes at twice its size, with a white background. */
export function renderPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    font: {
      fontFiles: chartFontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return resvg.render().asPng();
}
