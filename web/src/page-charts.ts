/**
 * The charts the page draws for a training result: the report's step and memory charts
 * (src/report/training-report.ts, `trainingCharts`), each a function of the engine's result, so
 * the page and the HTML report draw the same pictures. The report's scaling and reliability
 * sections run the engine many times more; the page offers those as tools instead of on every edit.
 */
import type { Scenario } from '../../src/config/resolve.js';
import { evaluateScenario, type SimulationResult } from '../../src/engine.js';
import type { Chart } from '../../src/report/chart.js';
import { timelineOmittedReason, trainingCharts } from '../../src/report/training-report.js';

/** One scenario simulated as the page shows it: with the step's events when the engine keeps them. */
export function pageResult(scenario: Scenario): { result: SimulationResult; charts: Chart[] } {
  const timelineOmitted = timelineOmittedReason(scenario);
  const result = evaluateScenario(scenario, { timeline: timelineOmitted === undefined });
  return { result, charts: trainingCharts({ result, ...(timelineOmitted ? { timelineOmitted } : {}) }) };
}
