/**
 * The web twin: scenario A (and B when comparing) recomputed by the engine on every edit, the
 * headline figures and charts, a link that reopens the page as it is, the scenario as the YAML
 * the CLI reads, and the slower tools in a worker.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ChartArea } from './chart-area.js';
import { evaluateFields, type Evaluation, type Outcome } from './evaluate.js';
import { CompareTable, Headline } from './figures.js';
import { ScenarioForm } from './scenario-form.js';
import { scenarioYaml, userScenario, type Fields } from './scenario-fields.js';
import { decodeState, encodeState, type SharedState } from './share-url.js';
import { ToolsPanel } from './tools-panel.js';
import { editCommitted } from './page-hooks.js';

/** An evaluation slower than this (the flow-level network on a large job) waits for typing to pause. */
const SLOW_EVALUATION_MS = 100;
/** How long typing must pause before a slow scenario is recomputed. */
const SETTLE_MS = 300;

/** `value` at once while `slow` is false; else its latest value once it has not changed for SETTLE_MS. */
function useSettled<T>(value: T, slow: boolean): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (!slow) {
      setSettled(value);
      return undefined;
    }
    const timer = setTimeout(() => setSettled(value), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [value, slow]);
  return slow ? settled : value;
}

/**
 * The outcome of the fields, the last good evaluation to keep showing while they hold an error,
 * and whether the fields shown are ahead of the evaluation (a slow scenario waiting for a pause).
 */
function useEvaluation(fields: Fields | null): { outcome: Outcome | null; shown: Evaluation | undefined; pending: boolean } {
  const last = useRef<Evaluation | undefined>(undefined);
  const lastMs = useRef(0);
  const settled = useSettled(fields, lastMs.current > SLOW_EVALUATION_MS);
  const outcome = useMemo(() => {
    const t0 = performance.now();
    const out = settled ? evaluateFields(settled) : null;
    lastMs.current = performance.now() - t0;
    return out;
  }, [settled]);
  if (outcome?.ok) last.current = outcome.value;
  // A link that opens on an error still shows the form's defaults (dimmed figures of the default scenario).
  else if (outcome && !last.current) {
    const fallback = evaluateFields({});
    if (fallback.ok) last.current = fallback.value;
  }
  return { outcome, shown: last.current, pending: settled !== fields };
}

function ScenarioColumn({ name, fields, onChange, evaluation }: { name: 'a' | 'b'; fields: Fields; onChange: (f: Fields) => void; evaluation: ReturnType<typeof useEvaluation> }) {
  const { outcome, shown, pending } = evaluation;
  const error = outcome && !outcome.ok ? outcome.error : undefined;
  return (
    <div class="column" data-column={name}>
      <h2 class="column-title">Scenario {name.toUpperCase()}</h2>
      <div class="inputs">
        <ScenarioForm id={name} fields={fields} onChange={onChange} evaluation={shown} error={error} />
      </div>
      <div class="outputs">
        {pending && <p class="hint" role="status">recomputing when you pause typing (this scenario takes a while)...</p>}
        {shown && <Headline ev={shown} stale={Boolean(error) || pending} />}
        {shown && <ChartArea charts={shown.charts} />}
      </div>
    </div>
  );
}

function YamlExport({ fields }: { fields: Fields }) {
  const text = useMemo(() => {
    try {
      return scenarioYaml(fields);
    } catch {
      return null;
    }
  }, [fields]);
  const href = useMemo(() => (text === null ? '' : URL.createObjectURL(new Blob([text], { type: 'text/yaml' }))), [text]);
  useEffect(() => () => (href ? URL.revokeObjectURL(href) : undefined), [href]);
  if (text === null) return <p class="hint">Fix the error above to export the scenario.</p>;
  return (
    <div class="yaml">
      <p>
        The scenario as the file <code>clustertwin simulate --config scenario.yaml</code> reads:{' '}
        <a href={href} download="scenario.yaml" data-action="download-yaml">
          download scenario.yaml
        </a>
      </p>
      <pre data-yaml>{text}</pre>
    </div>
  );
}

export function App() {
  const [state, setState] = useState<SharedState>(() => decodeState(location.hash));
  const [showYaml, setShowYaml] = useState(false);
  const [copied, setCopied] = useState(false);
  // The hash follows the state (replaceState: typing does not flood the history); a pasted link sets the state.
  useEffect(() => {
    const hash = encodeState(state);
    if (location.hash.replace(/^#/, '') !== hash) history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
  }, [state]);
  useEffect(() => {
    const onHash = () => setState(decodeState(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  // For the bench and tests: set the fields as typing would.
  useEffect(() => {
    window.clustertwinPage = { setState: (s: SharedState) => setState(s), getState: () => state };
  }, [state]);

  const evA = useEvaluation(state.a);
  const evB = useEvaluation(state.b);
  const a = evA.outcome;
  const b = evB.outcome;
  // The bench's edit timer stops once this state's figures and charts are on the page.
  useLayoutEffect(() => {
    if (!evA.pending && !evB.pending) editCommitted(state);
  }, [state, evA.pending, evB.pending]);
  let userA = null;
  try {
    userA = userScenario(state.a);
  } catch {
    userA = null;
  }
  const link = `${location.origin}${location.pathname}#${encodeState(state)}`;
  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <main>
      <header>
        <h1>clustertwin</h1>
        <p class="sub">A digital twin of an AI supercomputer, running in this page: edit the scenario and the figures follow.</p>
        <div class="toolbar">
          <button type="button" data-action="compare" aria-pressed={state.b !== null} onClick={() => setState((s) => ({ ...s, b: s.b ? null : { ...s.a } }))}>
            {state.b ? 'stop comparing' : 'compare A/B'}
          </button>
          <button type="button" data-action="copy-link" onClick={copyLink}>
            {copied ? 'link copied' : 'copy link'}
          </button>
          <button type="button" data-action="export-yaml" aria-pressed={showYaml} onClick={() => setShowYaml(!showYaml)}>
            export YAML
          </button>
          <button type="button" data-action="reset" onClick={() => setState({ a: {}, b: state.b ? {} : null })}>
            reset
          </button>
          <input class="link" readOnly value={link} aria-label="link to this scenario" data-share-link onFocus={(e) => (e.target as HTMLInputElement).select()} />
        </div>
        {showYaml && <YamlExport fields={state.a} />}
      </header>
      {state.b && a?.ok && b?.ok && <CompareTable a={a.value} b={b.value} />}
      <div class={`columns${state.b ? ' two' : ''}`}>
        <ScenarioColumn name="a" fields={state.a} evaluation={evA} onChange={(f) => setState((s) => ({ ...s, a: f }))} />
        {state.b && <ScenarioColumn name="b" fields={state.b} evaluation={evB} onChange={(f) => setState((s) => ({ ...s, b: f }))} />}
      </div>
      <ToolsPanel user={userA} />
      <footer>
        Grey values are the default scenario's or the engine's choice; type to set a field. Every figure comes from the same engine as the <code>clustertwin</code> CLI.
      </footer>
    </main>
  );
}
