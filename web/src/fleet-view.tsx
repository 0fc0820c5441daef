/**
 * The Fleet view: a multi-tenant fleet over days, simulated in a Web Worker from its own inputs
 * (`clustertwin fleet`'s flags of the same names), with a progress bar, its headline figures and
 * the fleet report's charts (src/report/fleet-report.ts, `fleetCharts`): the same pictures as
 * `clustertwin report fleet`. The default fleet is small so a run takes about a second.
 */
import { useMemo, useState } from 'preact/hooks';
import { PLACEMENTS } from '../../src/fleet/placement.js';
import { SCHEDULERS } from '../../src/fleet/scheduler.js';
import { GENERATORS } from '../../src/fleet/workload-source.js';
import type { FleetReport } from '../../src/fleet/simulate-fleet.js';
import { fleetCharts } from '../../src/report/fleet-report.js';
import { parseCount } from '../../src/units.js';
import { ChartArea } from './chart-area.js';
import { int, pct, usd } from './format.js';
import { DEFAULT_FLEET, type FleetJobInput } from './tool-jobs.js';

type Texts = Record<'system' | 'gpus' | 'days' | 'hotSpares' | 'seed', string> & Pick<FleetJobInput, 'generator' | 'scheduler' | 'placement'>;

const initialTexts = (): Texts => ({
  system: DEFAULT_FLEET.system,
  gpus: String(DEFAULT_FLEET.gpus),
  days: String(DEFAULT_FLEET.days),
  hotSpares: String(DEFAULT_FLEET.hotSpares),
  seed: String(DEFAULT_FLEET.seed),
  generator: DEFAULT_FLEET.generator,
  scheduler: DEFAULT_FLEET.scheduler,
  placement: DEFAULT_FLEET.placement,
});

/** A count as the CLI reads it (1024, 1K); NaN when it is none, which the job then names. */
const count = (s: string): number => {
  try {
    return parseCount(s);
  } catch {
    return NaN;
  }
};

/** The fields as the fleet job takes them. */
export const fleetInput = (t: Texts): FleetJobInput => ({
  system: t.system.trim(),
  gpus: count(t.gpus),
  days: Number(t.days),
  hotSpares: count(t.hotSpares),
  seed: Number(t.seed),
  generator: t.generator,
  scheduler: t.scheduler,
  placement: t.placement,
});

/** The fleet's inputs: text fields and three choices. */
export function FleetOptions({ onInput }: { onInput: (x: FleetJobInput) => void }) {
  const [t, setT] = useState<Texts>(initialTexts);
  const set = (k: keyof Texts, v: string) => {
    const next = { ...t, [k]: v } as Texts;
    setT(next);
    onInput(fleetInput(next));
  };
  const text = (k: 'system' | 'gpus' | 'days' | 'hotSpares' | 'seed', label: string, size: number) => (
    <label>
      {label} <input type="text" size={size} data-fleet-field={k} value={t[k]} onInput={(e) => set(k, (e.target as HTMLInputElement).value)} />{' '}
    </label>
  );
  const choice = (k: 'generator' | 'scheduler' | 'placement', options: readonly string[]) => (
    <label>
      {k}{' '}
      <select data-fleet-field={k} value={t[k]} onChange={(e) => set(k, (e.target as HTMLSelectElement).value)}>
        {options.map((o) => (
          <option value={o}>{o}</option>
        ))}
      </select>{' '}
    </label>
  );
  return (
    <span>
      {text('system', 'system', 10)}
      {text('gpus', 'GPUs', 6)}
      {text('days', 'days', 4)}
      {text('hotSpares', 'hot spares', 3)}
      {text('seed', 'seed', 3)}
      {choice('generator', GENERATORS)}
      {choice('scheduler', SCHEDULERS)}
      {choice('placement', PLACEMENTS)}
      <span class="hint">jobs from a seeded generator, nodes failing at the system's rates (as clustertwin fleet)</span>
    </span>
  );
}

/** A fleet run's headline figures and charts. */
export function FleetResult({ r, seconds }: { r: FleetReport; seconds: number }) {
  const charts = useMemo(() => fleetCharts(r), [r]);
  return (
    <div data-tool-result="fleet">
      <dl class="figures small">
        <div>
          <dt>utilisation</dt>
          <dd data-fleet-figure="allocated" data-value={r.utilization.allocated}>
            {pct(r.utilization.allocated)} allocated, {pct(r.utilization.useful)} useful
          </dd>
        </div>
        <div>
          <dt>jobs</dt>
          <dd>
            {int(r.jobs.submitted)} submitted, {int(r.jobs.finished)} finished, {int(r.jobs.queued)} queued
          </dd>
        </div>
        <div>
          <dt>failures</dt>
          <dd>{int(r.failures.total)} node failures</dd>
        </div>
        <div>
          <dt>revenue</dt>
          <dd>{usd(r.revenueUsd)}</dd>
        </div>
        <div>
          <dt>simulated in</dt>
          <dd>{seconds.toFixed(1)} s</dd>
        </div>
      </dl>
      <ChartArea charts={charts} />
    </div>
  );
}
