/**
 * The charts of a result: each Chart (src/report/chart.ts) drawn with renderChart into the page's
 * document, in a figure carrying its id and numbers as the HTML report's do.
 */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { renderChart, type Chart } from '../../src/report/chart.js';

function ChartFigure({ chart }: { chart: Chart }) {
  const holder = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    holder.current?.replaceChildren(renderChart(chart, document));
  }, [chart]);
  return (
    <figure id={`chart-${chart.id}`} data-chart={chart.id} data-figures={JSON.stringify(chart.figures)}>
      <h3>{chart.title}</h3>
      <div class="chart" ref={holder} />
      <figcaption>{chart.caption}</figcaption>
    </figure>
  );
}

export function ChartArea({ charts }: { charts: readonly Chart[] }) {
  return (
    <section class="charts" aria-label="charts">
      {charts.map((c) => (
        <ChartFigure key={c.id} chart={c} />
      ))}
    </section>
  );
}
