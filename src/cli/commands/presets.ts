/**
 * `clustertwin presets`: what systems, GPUs and models are built in.
 */
import { Command, Argument } from '@commander-js/extra-typings';
import { loadPresets } from '../../node/presets.js';
import { resolveGpu, resolveModel, resolveSystem } from '../../config/catalog.js';
import { totalParams } from '../../model/transformer.js';
import { formatCount } from '../../units.js';
import { table } from '../format.js';

export function presetsCommand(): Command<any, any> {
  return new Command('presets')
    .description('list the built-in systems, GPUs, models and failure models')
    .addArgument(new Argument('[kind]', 'which presets').choices(['systems', 'gpus', 'models', 'reliability']))
    .option('--json', 'print JSON')
    .action((kind, opts) => {
      const cat = loadPresets();
      const kinds = kind ? [kind] : ['systems', 'gpus', 'models', 'reliability'];
      const json: Record<string, unknown> = {};
      const out: string[] = [];
      if (kinds.includes('systems')) {
        const rows = Object.keys(cat.systems).sort().map((n) => resolveSystem(cat, n));
        json.systems = rows;
        out.push(
          table(
            ['system', 'GPU', 'GPUs/node', 'NVLink GB/s', 'NICs', 'fabric', '$/GPU-h'],
            rows.map((s) => [s.name, s.gpu.name, String(s.node.gpusPerNode), String(s.node.nvlinkGBpsPerGpu), `${s.node.nicsPerNode} x ${s.node.nicGbps} Gb/s`, `${s.fabric.generation} ${s.fabric.kind}`, String(s.pricing.usdPerGpuHour)]),
            [2, 3, 6],
          ),
        );
      }
      if (kinds.includes('gpus')) {
        const rows = Object.keys(cat.gpus).sort().map((n) => resolveGpu(cat, n));
        json.gpus = rows;
        out.push(
          table(
            ['GPU', 'bf16 TFLOP/s', 'fp8 TFLOP/s', 'HBM GiB', 'HBM GB/s', 'TDP W'],
            rows.map((g) => [g.name, String(g.peakTflops.bf16 ?? '-'), String(g.peakTflops.fp8 ?? '-'), String(g.hbmGiB), String(g.hbmBandwidthGBps), String(g.tdpWatts)]),
            [1, 2, 3, 4, 5],
          ),
        );
      }
      if (kinds.includes('models')) {
        const rows = Object.keys(cat.models).sort().map((n) => resolveModel(cat, n));
        json.models = rows;
        out.push(
          table(
            ['model', 'params', 'layers', 'hidden', 'heads/kv', 'FFN', 'vocab'],
            rows.map((m) => [m.name, formatCount(totalParams(m)), String(m.layers), String(m.hidden), `${m.heads}/${m.kvHeads}`, `${m.ffnHidden} ${m.ffnAct}${m.moe ? ` x${m.moe.experts} experts` : ''}`, String(m.vocab)]),
            [1, 2, 3, 5, 6],
          ),
        );
      }
      if (kinds.includes('reliability')) {
        const rows = Object.entries(cat.reliability)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, raw]) => ({ name, description: String((raw as { description?: unknown }).description ?? '') }));
        json.reliability = rows;
        out.push(table(['failure model', 'description'], rows.map((r) => [r.name, r.description])));
      }
      process.stdout.write(opts.json ? `${JSON.stringify(json, null, 2)}\n` : `${out.join('\n\n')}\n`);
    });
}
