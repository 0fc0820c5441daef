/**
 * A chart is a function of an engine result, written once: it returns a
 * `Chart`, which the HTML report, the web app and the SVG/PNG export all
 * render the same way (`renderChart`). The engine never imports this folder;
 * the report and the app sit above it.
 *
 *   engine result ─► chart function (src/report/charts/*) ─► Chart
 *                      ─► renderChart(chart, document) ─► <svg> (Observable Plot)
 *
 * `document` is the page's in the browser and linkedom's in Node
 * (src/node/dom.ts), so this folder imports nothing from Node either.
 */
import * as Plot from '@observablehq/plot';

/** One chart: what it is, the figures it draws, and how Plot draws them. */
export interface Chart {
  /** Stable kebab-case id: the file name for --format svg|png and the figure's DOM id. */
  id: string;
  title: string;
  /** One or two sentences under the chart: what it shows and what it leaves out. */
  caption: string;
  /**
   * The numbers the chart draws, by name, unrounded, so tests (and readers of
   * the report's embedded JSON) can check them against the engine's --json.
   */
  figures: Record<string, number>;
  /** Plot's options without `document`; `renderChart` supplies it. */
  plot: Plot.PlotOptions;
}

/** Draws a chart into `document` as one <svg> element (Plot's figure wrapper is not used). */
export function renderChart(chart: Chart, document: Document): SVGSVGElement {
  const el = Plot.plot({ ...chart.plot, document, figure: false });
  // With figure: false and no legend Plot returns the <svg> itself.
  return el as unknown as SVGSVGElement;
}

/** The chart's SVG as a standalone file's text (with its XML namespace, which a browser adds by itself). */
export function chartSvgText(chart: Chart, document: Document): string {
  const svg = renderChart(chart, document);
  if (!svg.getAttribute('xmlns')) svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return svg.outerHTML;
}
