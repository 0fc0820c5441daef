/** The headline figures of a scenario, and the A/B table when two are compared. */
import type { SimulationResult } from '../../src/engine.js';
import type { Evaluation } from './evaluate.js';
import { formatBytes, formatCount, formatDuration, pct, usd } from './format.js';

/** One headline figure: its label, its raw value (data-value, for tests) and its text. */
interface Figure {
  key: string;
  label: string;
  value: number;
  text: string;
  /** A second, smaller line. */
  note?: string;
  /** Whether more is better (for the A/B table's wording). */
  higherIsBetter: boolean;
}

export function headlineFigures(r: SimulationResult): Figure[] {
  return [
    { key: 'stepTimeSeconds', label: 'step time', value: r.stepTimeSeconds, text: formatDuration(r.stepTimeSeconds), higherIsBetter: false },
    { key: 'tokensPerSecond', label: 'tokens/s', value: r.tokensPerSecond, text: formatCount(r.tokensPerSecond), note: `${formatCount(r.tokensPerStep)} tokens a step`, higherIsBetter: true },
    { key: 'mfu', label: 'MFU', value: r.mfu, text: pct(r.mfu), note: `HFU ${pct(r.hfu)}`, higherIsBetter: true },
    {
      key: 'peakMemoryBytesPerGpu',
      label: 'memory per GPU',
      value: r.peakMemoryBytesPerGpu,
      text: formatBytes(r.peakMemoryBytesPerGpu),
      note: `of ${formatBytes(r.memoryCapacityBytesPerGpu)}, ${r.fitsInMemory ? 'fits' : 'does NOT fit'}`,
      higherIsBetter: false,
    },
    { key: 'timeToTrainWithFailuresSeconds', label: 'time to train', value: r.timeToTrainWithFailuresSeconds, text: formatDuration(r.timeToTrainWithFailuresSeconds), note: `${formatDuration(r.timeToTrainSeconds)} without failures`, higherIsBetter: false },
    { key: 'costWithFailuresUsd', label: 'cost', value: r.costWithFailuresUsd, text: usd(r.costWithFailuresUsd), note: `${Math.round(r.gpuHoursWithFailures).toLocaleString('en-US')} GPU-hours, failures counted`, higherIsBetter: false },
  ];
}

export function Headline({ ev, stale }: { ev: Evaluation; stale: boolean }) {
  const r = ev.result;
  const e = r.config.execution;
  return (
    <section class={`headline${stale ? ' stale' : ''}`} aria-label="headline figures">
      <p class="scenario-title">
        {r.config.model.name} on {e.gpus.toLocaleString('en-US')} x {r.config.system.gpu.description ?? r.config.system.gpu.name} ({r.config.system.name}): TP {e.tp} · PP {e.pp} · DP {e.dp} · CP {e.cp} · VP {e.vp} · {e.recompute} recompute
      </p>
      {!r.achievable && <p class="warn">It does not fit in GPU memory: every time and cost is what it would take if it fitted.</p>}
      <dl class="figures">
        {headlineFigures(r).map((f) => (
          <div data-figure={f.key} data-value={String(f.value)}>
            <dt>{f.label}</dt>
            <dd>{f.text}</dd>
            {f.note && <dd class="note">{f.note}</dd>}
          </div>
        ))}
      </dl>
      <p class="accuracy">Accuracy: {ev.accuracy}.</p>
    </section>
  );
}

/** A and B side by side, with B against A. */
export function CompareTable({ a, b }: { a: Evaluation; b: Evaluation }) {
  const fa = headlineFigures(a.result);
  const fb = headlineFigures(b.result);
  return (
    <table class="compare" aria-label="A/B comparison">
      <thead>
        <tr>
          <th></th>
          <th>A</th>
          <th>B</th>
          <th>B against A</th>
        </tr>
      </thead>
      <tbody>
        {fa.map((x, i) => {
          const y = fb[i];
          const ratio = y.value / x.value;
          const better = x.value === y.value ? '' : (y.value > x.value) === x.higherIsBetter ? 'better' : 'worse';
          return (
            <tr data-figure={x.key}>
              <th>{x.label}</th>
              <td>{x.text}</td>
              <td>{y.text}</td>
              <td class={better}>{Number.isFinite(ratio) ? `${ratio.toFixed(3)}x` : '-'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
