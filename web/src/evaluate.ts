/**
 * What the page computes on every edit: the fields over the default scenario (the CLI's
 * layering rule), resolved and evaluated by the engine, and the charts of the result. A user
 * error comes back as the CLI's one line, with the form field it names.
 */
import { resolveScenario, type SimulationResult } from '../../src/engine.js';
import { layerScenario } from '../../src/config/scenario-layers.js';
import { parseScenarioInput, type ScenarioInputParsed } from '../../src/config/scenario-input.js';
import type { Scenario } from '../../src/config/resolve.js';
import { ClusterTwinError } from '../../src/errors.js';
import { userErrorLine } from '../../src/user-error-line.js';
import { accuracyForKey, accuracySentence } from '../../src/validation/accuracy.js';
import { ACCURACY } from '../../src/validation/accuracy-table.js';
import type { Chart } from '../../src/report/chart.js';
import { CATALOG, DEFAULT_SCENARIO } from './presets.js';
import { FORM_KEYS, userScenario, type Fields } from './scenario-fields.js';
import { pageResult } from './page-charts.js';

/** A user error as the page shows it. */
export interface PageError {
  /** The CLI's line: `error: --tp: TP 3 must divide ...`. */
  line: string;
  /** The form field it names (a scenario key), or null when it names none the form shows. */
  field: string | null;
}

/** Everything the page shows for one scenario that evaluated. */
export interface Evaluation {
  /** The scenario the engine ran: the fields over the default scenario. */
  input: ScenarioInputParsed;
  scenario: Scenario;
  result: SimulationResult;
  charts: Chart[];
  /** How far to trust the step time: the validation suite's record, one sentence. */
  accuracy: string;
}

/** An evaluation, or the user error that stopped it. */
export type Outcome = { ok: true; value: Evaluation } | { ok: false; error: PageError };

/** The scenario the fields stand for, over the default scenario (throws ClusterTwinError). */
export function layeredInput(fields: Fields): ScenarioInputParsed {
  return parseScenarioInput(layerScenario(DEFAULT_SCENARIO, userScenario(fields)));
}

/** A thrown error as the page shows it: a user error as the CLI's line, anything else as a bug of ours. */
export function pageError(err: unknown): PageError {
  if (err instanceof ClusterTwinError) {
    const head = err.path.split('.')[0];
    return { line: userErrorLine(err), field: FORM_KEYS.has(head) ? head : null };
  }
  const what = err instanceof Error ? err.message : String(err);
  return { line: `error: internal error: ${what} (a bug in clustertwin: please report it with the scenario link)`, field: null };
}

/** Everything the page shows for one scenario. */
export function evaluateFields(fields: Fields): Outcome {
  try {
    const input = layeredInput(fields);
    const scenario = resolveScenario(input, CATALOG);
    const { result, charts } = pageResult(scenario);
    const k = result.accuracyKey;
    const gpu = scenario.system.gpu;
    const accuracy = accuracySentence(accuracyForKey(ACCURACY, k) ?? undefined, gpu.description ?? gpu.name, scenario.exec.precision, k.kernels, k.moe, k.shardedWeights);
    return { ok: true, value: { input, scenario, result, charts, accuracy } };
  } catch (err) {
    return { ok: false, error: pageError(err) };
  }
}
