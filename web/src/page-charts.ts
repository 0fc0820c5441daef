/// <reference types="vite/client" />
/**
 * The charts the page draws for a training result: the report's (src/report/training-report.ts,
 * `trainingCharts`), each a function of the engine's result, so the page and the HTML report
 * draw the same pictures. Until that module is on this branch the page draws the one chart it has
 * (where the step time goes): the glob below finds the module when it lands, so its charts drop in
 * with no change here (a plain import can replace the glob once it is on main).
 */
import type { SimulationResult } from '../../src/engine.js';
import type { Chart } from '../../src/report/chart.js';
import { stepBreakdownChart } from '../../src/report/charts/step-breakdown.js';

type TrainingCharts = (parts: { result: SimulationResult }) => Chart[];
const report = Object.values(import.meta.glob('../../src/report/training-report.ts', { eager: true }))[0] as { trainingCharts?: TrainingCharts } | undefined;

/** Whether the charts need the step's events (the Gantt chart does): the engine then records them. */
export const CHARTS_NEED_TIMELINE = report?.trainingCharts !== undefined;

/** The charts of one training result, in the order the page shows them. */
export function pageCharts(result: SimulationResult): Chart[] {
  return report?.trainingCharts ? report.trainingCharts({ result }) : [stepBreakdownChart(result)];
}
