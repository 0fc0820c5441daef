/**
 * `clustertwin compare --log FILE`: the step times a Megatron-LM or torchtitan run logged, beside
 * the twin's prediction for the same configuration (src/interop/train-log/).
 */
import { Command, Option } from '@commander-js/extra-typings';
import { invalid } from '../../errors.js';
import { evaluateScenario, resolveScenario } from '../../engine.js';
import { loadPresets } from '../../node/presets.js';
import { formatDuration } from '../../units.js';
import { DEFAULT_WARMUP_RECORDS, TRAIN_LOG_FORMATS, parseTrainLog, type TrainLogFormat } from '../../interop/train-log/parse.js';
import { compareLog, type ComparedFigure } from '../../interop/train-log/compare.js';
import { addScenarioOptions, scenarioFromOptions } from '../scenario-options.js';
import { readInputFile } from '../input-file.js';
import { numberFlag } from '../flag-values.js';
import { table } from '../format.js';
import { resultIntervals } from './simulate.js';

const signed = (e: number): string => `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`;
const rate = (x: number): string => `${Math.round(x).toLocaleString('en-US')}`;

function cells(f: ComparedFigure): string[] {
  const fmt = f.what === 'stepTimeSeconds' ? formatDuration : rate;
  return [
    f.what === 'stepTimeSeconds' ? 'step time' : 'tokens/s per GPU',
    fmt(f.measured.median),
    `${fmt(f.measured.p10)} - ${fmt(f.measured.p90)}`,
    fmt(f.predicted),
    signed(f.error),
    `${fmt(f.interval.low)} - ${fmt(f.interval.high)}`,
    f.inInterval ? 'yes' : 'no',
    f.source === 'log' ? 'logged' : 'converted',
  ];
}

export function compareCommand(): Command<any, any> {
  const cmd = new Command('compare')
    .description("a training run's logged step times (Megatron-LM, torchtitan) beside the twin's prediction for the same configuration")
    .addHelpText(
      'after',
      `
Give the run's configuration as for simulate (flags or --config FILE). The log's first
--skip lines are dropped as warm-up (default ${DEFAULT_WARMUP_RECORDS}: the first carries initialisation and compilation);
the rest give the median and the 10th-90th percentiles. Each logged line is the framework's
mean over its logging interval. Megatron-LM logs the step time; torchtitan logs tokens per
second per GPU (tps), converted with the scenario's gbs x seq. The error is the twin's over the
measured median; "in 80%" says whether the median falls in the interval simulate states.
See docs/interop/compare.md.

Examples:
  clustertwin compare --log megatron.log --system dgx-h100 --model llama3-8b --gpus 64 --tp 1 --pp 1 --seq 8192 --gbs 512
  clustertwin compare --log titan.log --config my-run.yaml --skip 5 --json`,
    );
  addScenarioOptions(cmd)
    .option('--log <file>', 'the training log (Megatron-LM stdout, or torchtitan stdout)')
    .addOption(new Option('--format <format>', 'the log\'s format (default: found from its lines)').choices(TRAIN_LOG_FORMATS))
    .option('--skip <n>', `logged step lines to drop from the start as warm-up (default ${DEFAULT_WARMUP_RECORDS})`)
    .option('--json', 'print one JSON object: the measured spread, the prediction, error and interval per figure');
  return cmd.action((raw) => {
    const opts = raw as Record<string, unknown>;
    if (typeof opts.log !== 'string') throw invalid('--log', 'give the training log to compare, e.g. --log megatron.log');
    const skip = opts.skip === undefined ? DEFAULT_WARMUP_RECORDS : numberFlag(opts.skip, '--skip', { min: 0, max: 1e6, integer: true, unit: 'lines' });
    const file = readInputFile(opts.log, '--log');
    const log = parseTrainLog(file.text, opts.log, opts.format as TrainLogFormat | undefined);
    const catalog = loadPresets();
    const scenario = resolveScenario(scenarioFromOptions(opts, catalog), catalog);
    const result = evaluateScenario(scenario);
    const e = result.config.execution;
    const { stepTimeInterval } = resultIntervals(result);
    const c = compareLog(log, skip, { stepTimeSeconds: result.stepTimeSeconds, gpus: e.gpus, gbs: e.gbs, seq: e.seq, stepTimeInterval });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...c, sha256: file.sha256, scenario: { system: result.config.system.name, model: result.config.model.name, gpus: e.gpus, tp: e.tp, pp: e.pp, dp: e.dp, gbs: e.gbs, seq: e.seq } }, null, 2)}\n`);
      return;
    }
    const lines = [
      `${c.file}: ${c.format}, ${c.records} step lines, the first ${c.skipped} skipped as warm-up; steps ${c.steps[0]}-${c.steps[1]} compared`,
      `twin: ${result.config.model.name} on ${e.gpus} x ${result.config.system.gpu.name} (${result.config.system.name}), TP ${e.tp} PP ${e.pp} DP ${e.dp}, gbs ${e.gbs} x seq ${e.seq}`,
      table(['figure', 'measured (median)', 'p10 - p90', 'twin', 'error', `twin's ${Math.round(stepTimeInterval.coverage * 100)}% interval`, 'in it', 'measured'], c.figures.map(cells), [1, 3, 4]),
      `interval: ${c.intervalBasis}`,
      ...c.notes.map((n) => `note: ${n}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
