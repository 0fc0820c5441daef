/**
 * `clustertwin report`: one self-contained HTML file (or one SVG or PNG file
 * per chart) with the scenario, its headline figures, its stated accuracy and
 * its charts. Thin: parse, call the engine and src/report, then write every
 * file only once everything is computed (nothing half-written).
 */
import { Command, Option } from '@commander-js/extra-typings';
import { addScenarioOptions } from '../scenario-options.js';
import { reportServeCommand } from './report-serve.js';
import { reportFleetCommand } from './report-fleet.js';
import { reportFacilityCommand } from './report-facility.js';

/** What `--format` writes. */
export const REPORT_FORMATS = ['html', 'svg', 'png'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Monte Carlo trials of the reliability section by default: as `clustertwin reliability`. */
export const DEFAULT_TRIALS = 1000;

export function reportCommand(): Command<any, any> {
  const cmd = new Command('report')
    .description('a self-contained HTML report of a training scenario, with its charts (or the charts as SVG or PNG files)')
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Takes the same scenario flags as simulate (or --config FILE). The report is
one HTML file that opens offline: the headline figures, the stated accuracy,
the step as a Gantt chart, where the step time goes, memory against the HBM,
a scaling curve (the split chosen at each GPU count), reliability
(interruptions by cause, goodput against checkpoint interval, the Monte
Carlo's time to train) and the YAML that reruns the scenario. --plan adds the
planner's best plans and its time-cost Pareto front (over --plan-gpus);
--network flow adds the fat tree under the step's gradient reduction, links
coloured by load.
--format svg|png writes each chart to --out-dir as <chart id>.svg|png.
\`report serve\` is the serving report, \`report fleet\` the fleet's and
\`report facility\` the building's (each takes its command's flags).

Examples:
  clustertwin report
  clustertwin report --system dgx-h100 --model llama3-405b --gpus 16384 --tp 8 --pp 16 --seq 8192 --gbs 2048 --recompute full --out llama3.html
  clustertwin report --model llama3-70b --gpus 512 --plan --out plan.html
  clustertwin report --format png --out-dir charts/ --json`,
    );
  addScenarioOptions(cmd)
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .addOption(new Option('--format <format>', 'what to write: one HTML file, or one SVG or PNG file per chart').choices(REPORT_FORMATS).default('html'))
    .option('--out-dir <dir>', 'folder for --format svg|png (one file per chart, named by its id)')
    .option('--plan', "add the planner's best plans and its time-cost Pareto front (takes seconds to minutes)")
    .option('--plan-gpus <list>', 'GPU counts the planner compares for the Pareto front (default: half, the same and twice the scenario\'s)')
    .option('--no-scaling', 'leave out the scaling curve')
    .option('--no-reliability', 'leave out the reliability section')
    .option('--trials <n>', 'Monte Carlo trials of the reliability section', String(DEFAULT_TRIALS))
    .option('--seed <n>', 'Monte Carlo seed', '1')
    .option('--json', 'print what was written (files, chart ids, headline figures) as one JSON object');
  cmd.addCommand(reportServeCommand());
  cmd.addCommand(reportFleetCommand());
  cmd.addCommand(reportFacilityCommand());
  // The charts, Plot and linkedom load only when a report is written, not at every start of the CLI.
  return cmd.action(async (raw) => (await import('./report-run.js')).runReport(raw as Record<string, unknown>, cmd));
}
