/**
 * `clustertwin report`: one self-contained HTML file (or SVG/PNG files) with the
 * scenario, its headline figures, its stated accuracy and its charts. Thin:
 * parse, call the engine and src/report, write. Skeleton while the report is built.
 */
import { Command } from '@commander-js/extra-typings';
import { evaluateScenario, resolveScenario } from '../../engine.js';
import { loadPresets } from '../../node/presets.js';
import { nodeDocument } from '../../node/dom.js';
import { checkOutputFile, writeOutputFile } from '../../node/output-file.js';
import { reportHtml } from '../../report/html-report.js';
import { stepBreakdownChart } from '../../report/charts/step-breakdown.js';
import { addScenarioOptions, scenarioFromOptions } from '../scenario-options.js';
import { reportServeCommand } from './report-serve.js';

export function reportCommand(): Command<any, any> {
  const cmd = new Command('report').description('a self-contained HTML report of a training scenario, with its charts').enablePositionalOptions();
  addScenarioOptions(cmd).option('--out <file>', 'the HTML file to write', 'report.html');
  cmd.addCommand(reportServeCommand());
  return cmd.action((raw) => {
    const opts = raw as Record<string, unknown>;
    const out = String(opts.out);
    checkOutputFile(out);
    const catalog = loadPresets();
    const result = evaluateScenario(resolveScenario(scenarioFromOptions(opts, catalog), catalog));
    const html = reportHtml(
      {
        title: result.config.model.name,
        subtitle: `${result.config.execution.gpus} GPUs`,
        accuracy: '',
        scenarioYaml: '',
        headline: [],
        sections: [{ title: 'Step', charts: [stepBreakdownChart(result)] }],
        notModelled: result.notModelled,
        generatedBy: 'clustertwin 0.1.0',
      },
      nodeDocument(),
    );
    writeOutputFile(out, html);
  });
}
