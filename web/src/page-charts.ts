/**
 * The charts the page draws for a training result. One list, so the report's charts
 * (src/report/charts/*) drop in here as they are written: each is a function of the engine's
 * result, the same the HTML report draws.
 */
import type { SimulationResult } from '../../src/engine.js';
import type { Chart } from '../../src/report/chart.js';
import { stepBreakdownChart } from '../../src/report/charts/step-breakdown.js';

/** Whether the charts need the step's events (the Gantt chart does): the engine then records them. */
export const CHARTS_NEED_TIMELINE = true;

/** The charts of one training result, in the order the page shows them. */
export function pageCharts(result: SimulationResult): Chart[] {
  return [stepBreakdownChart(result)];
}
