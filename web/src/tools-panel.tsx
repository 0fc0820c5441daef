/**
 * Plan, reliability and serve from the page, on scenario A, and a fleet on its own inputs
 * (fleet-view.tsx): each runs in a Web Worker (tool-worker.ts) with a progress bar, and prints the
 * figures its CLI command leads with.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ScenarioInputParsed } from '../../src/config/scenario-input.js';
import { OBJECTIVES, type Objective } from '../../src/planner/objectives.js';
import { parseCount } from '../../src/units.js';
import type { PageError } from './evaluate.js';
import { formatCount, formatDuration, int, pct, usd } from './format.js';
import { startToolJob, type RunningJob } from './tool-client.js';
import { DEFAULT_FLEET, type FleetJobInput, type ToolJob, type ToolResult } from './tool-jobs.js';
import { FleetOptions, FleetResult } from './fleet-view.js';

type Tool = ToolJob['kind'];

interface ToolState {
  progress: number | null;
  result?: { result: ToolResult; seconds: number };
  error?: PageError;
}

/** Runs one job at a time; a new one replaces a running one. */
export function useToolRunner() {
  const [state, setState] = useState<ToolState>({ progress: null });
  const running = useRef<RunningJob | null>(null);
  useEffect(() => () => running.current?.cancel(), []);
  const run = async (job: ToolJob) => {
    running.current?.cancel();
    setState({ progress: 0 });
    const r = startToolJob(job, (p) => setState((s) => ({ ...s, progress: p })));
    running.current = r;
    const out = await r.done;
    if (running.current !== r) return;
    running.current = null;
    setState('error' in out ? { progress: null, error: out.error } : { progress: null, result: out });
  };
  return { state, run };
}

const planSplit = (p: { tp: number; pp: number; dp: number; cp: number; ep: number; vp: number; mbs: number; zero: number; recompute: string; sp: boolean }): string =>
  `TP ${p.tp} · PP ${p.pp} · DP ${p.dp} · CP ${p.cp}${p.ep > 1 ? ` · EP ${p.ep}` : ''} · VP ${p.vp} · mbs ${p.mbs} · ZeRO ${p.zero} · ${p.recompute} · SP ${p.sp ? 'on' : 'off'}`;

function PlanResult({ r, seconds }: { r: Extract<ToolResult, { kind: 'plan' }>['report']; seconds: number }) {
  return (
    <div data-tool-result="plan">
      <p>
        {r.model}: searched {int(r.considered)} configurations in {formatDuration(seconds)}; {int(r.prunedByMemory)} do not fit, {int(r.evaluated)} estimated, {r.rechecked} re-checked by the event simulation.
      </p>
      <table class="results">
        <thead>
          <tr>
            <th>#</th>
            <th>split</th>
            <th>step</th>
            <th>MFU</th>
            <th>time to train</th>
            <th>cost</th>
          </tr>
        </thead>
        <tbody>
          {r.plans.map((p, i) => (
            <tr>
              <td>{i + 1}</td>
              <td>{planSplit(p)}</td>
              <td>
                {p.method === 'closed-form' ? '~' : ''}
                {formatDuration(p.stepTimeSeconds)}
              </td>
              <td>{pct(p.mfu)}</td>
              <td>{formatDuration(p.timeToTrainSeconds)}</td>
              <td>{usd(p.costUsd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReliabilityResult({ r, failureFreeSeconds }: { r: Extract<ToolResult, { kind: 'reliability' }>['report']; failureFreeSeconds: number }) {
  const causes = [...r.causes].sort((a, b) => b.count - a.count).slice(0, 6);
  return (
    <div data-tool-result="reliability">
      <dl class="figures small">
        <div>
          <dt>goodput</dt>
          <dd>{pct(r.goodput)}</dd>
        </div>
        <div>
          <dt>time to train</dt>
          <dd>
            {formatDuration(r.wallSeconds)} ({formatDuration(failureFreeSeconds)} without failures)
          </dd>
        </div>
        <div>
          <dt>interruptions</dt>
          <dd>
            {r.interruptions.toFixed(1)} unplanned ({r.interruptionsPerDay.toFixed(2)} a day, one every {formatDuration(r.mtbfSeconds)})
          </dd>
        </div>
        <div>
          <dt>checkpoint every</dt>
          <dd>{formatDuration(r.checkpointIntervalSeconds)}</dd>
        </div>
        <div>
          <dt>cost</dt>
          <dd>{usd(r.costUsd)}</dd>
        </div>
        {r.monteCarlo && (
          <div>
            <dt>Monte Carlo</dt>
            <dd>{int(r.monteCarlo.trials)} trials</dd>
          </div>
        )}
      </dl>
      <table class="results">
        <thead>
          <tr>
            <th>cause</th>
            <th>expected</th>
            <th>share</th>
          </tr>
        </thead>
        <tbody>
          {causes.map((c) => (
            <tr>
              <td>{c.label}</td>
              <td>{c.count.toFixed(1)}</td>
              <td>{c.planned ? 'planned' : pct(c.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ServeResult({ r }: { r: Extract<ToolResult, { kind: 'serve' }>['report'] }) {
  const ms = (s: number) => formatDuration(s);
  return (
    <div data-tool-result="serve">
      <dl class="figures small">
        <div>
          <dt>TTFT p50 / p99</dt>
          <dd>
            {ms(r.ttftSeconds.p50)} / {ms(r.ttftSeconds.p99)}
          </dd>
        </div>
        <div>
          <dt>TPOT p50 / p99</dt>
          <dd>
            {ms(r.tpotSeconds.p50)} / {ms(r.tpotSeconds.p99)}
          </dd>
        </div>
        <div>
          <dt>output tokens/s</dt>
          <dd>
            {formatCount(r.outputTokensPerSecond)} ({formatCount(r.outputTokensPerSecondPerGpu)} a GPU)
          </dd>
        </div>
        <div>
          <dt>cost per million tokens</dt>
          <dd>{usd(r.costUsdPerMillionTokens)}</dd>
        </div>
        <div>
          <dt>KV cache</dt>
          <dd>{formatCount(r.kvCacheTokens)} tokens a replica</dd>
        </div>
      </dl>
    </div>
  );
}

interface ToolsProps {
  /** Scenario A's fields, typed; null while they hold an error. */
  user: ScenarioInputParsed | null;
}

export function ToolsPanel({ user }: ToolsProps) {
  const [tool, setTool] = useState<Tool>('plan');
  const [objective, setObjective] = useState<Objective>('time');
  const [trials, setTrials] = useState('200');
  const [serveFields, setServe] = useState({ tp: '8', isl: '1024', osl: '1024', concurrency: '16' });
  const [fleet, setFleet] = useState<FleetJobInput>(DEFAULT_FLEET);
  const { state, run } = useToolRunner();
  const start = () => {
    if (tool === 'fleet') return void run({ kind: 'fleet', fleet });
    if (!user) return;
    // Counts as the CLI reads them (16, 1K, 2e3).
    const num = (s: string) => parseCount(s);
    const job: ToolJob =
      tool === 'plan'
        ? { kind: 'plan', user, objective, top: 10 }
        : tool === 'reliability'
          ? { kind: 'reliability', user, trials: num(trials), seed: 1 }
          : { kind: 'serve', user, tp: num(serveFields.tp), isl: num(serveFields.isl), osl: num(serveFields.osl), concurrency: num(serveFields.concurrency) };
    void run(job);
  };
  const shown = state.result?.result;
  return (
    <section class="tools" aria-label="tools">
      <h2>Plan, reliability and serve (scenario A), and a fleet</h2>
      <div class="tabs" role="tablist">
        {(['plan', 'reliability', 'serve', 'fleet'] as const).map((t) => (
          <button type="button" role="tab" aria-selected={tool === t} data-tool={t} onClick={() => setTool(t)}>
            {t}
          </button>
        ))}
      </div>
      <div class="tool-options">
        {tool === 'plan' && (
          <label>
            objective{' '}
            <select value={objective} onChange={(e) => setObjective((e.target as HTMLSelectElement).value as Objective)}>
              {OBJECTIVES.map((o) => (
                <option value={o}>{o}</option>
              ))}
            </select>{' '}
            <span class="hint">searches every split of the model over the GPUs (fields you set above stay fixed)</span>
          </label>
        )}
        {tool === 'reliability' && (
          <label>
            Monte Carlo trials <input type="text" size={6} value={trials} onInput={(e) => setTrials((e.target as HTMLInputElement).value)} />
          </label>
        )}
        {tool === 'serve' && (
          <span>
            {(['tp', 'isl', 'osl', 'concurrency'] as const).map((k) => (
              <label>
                {k === 'tp' ? 'TP a replica' : k}{' '}
                <input type="text" size={6} data-serve-field={k} value={serveFields[k]} onInput={(e) => setServe({ ...serveFields, [k]: (e.target as HTMLInputElement).value })} />{' '}
              </label>
            ))}
            <span class="hint">one replica of the model on the system, a closed loop of clients</span>
          </span>
        )}
        {tool === 'fleet' && <FleetOptions onInput={setFleet} />}
        <button type="button" class="run" data-run-tool={tool} disabled={(!user && tool !== 'fleet') || state.progress !== null} onClick={start}>
          run {tool}
        </button>
        {state.progress !== null && <progress max={1} value={state.progress} aria-label={`${tool} progress`} />}
      </div>
      {state.error && (
        <div class="form-error" role="alert">
          {state.error.line}
        </div>
      )}
      {shown?.kind === 'plan' && <PlanResult r={shown.report} seconds={state.result!.seconds} />}
      {shown?.kind === 'reliability' && <ReliabilityResult r={shown.report} failureFreeSeconds={shown.failureFreeSeconds} />}
      {shown?.kind === 'serve' && <ServeResult r={shown.report} />}
      {shown?.kind === 'fleet' && <FleetResult r={shown.report} seconds={state.result!.seconds} />}
    </section>
  );
}
