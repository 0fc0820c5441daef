/**
 * `clustertwin collective`: an nccl-tests-style sweep on the twin.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { loadPresets } from '../../node/presets.js';
import { resolveSystem } from '../../config/catalog.js';
import { ClusterTwinError, invalid } from '../../errors.js';
import { COLLECTIVE_ALGORITHMS, COLLECTIVE_OPS, busBandwidthFactor, packedGroup, type CollectiveAlgorithm, type CollectiveOp } from '../../network/network-model.js';
import { NETWORK_KINDS, makeNetwork, type NetworkKind } from '../../network/make-network.js';
import type { FlowNetworkModel } from '../../network/flow/flow-network.js';
import { formatBytesShort, parseBytes, parseCount } from '../../units.js';
import { table } from '../format.js';

export interface SweepRow {
  bytes: number;
  timeSeconds: number;
  algbwGBps: number;
  busbwGBps: number;
  algorithm: string;
  protocol: string;
}

export function collectiveCommand(): Command<any, any> {
  return new Command('collective')
    .description('sweep a collective over message sizes, nccl-tests style (time, algbw, busbw)')
    .addOption(new Option('--op <op>', 'operation').choices(COLLECTIVE_OPS).default('allreduce'))
    .option('--system <preset>', 'system preset', 'nd-h100-v5')
    .option('--gpus <n>', 'GPUs in the communicator (packed into nodes)', '8')
    .option('--min-bytes <size>', 'smallest message (1K = 1024)', '1K')
    .option('--max-bytes <size>', 'largest message', '8G')
    .option('--step-factor <f>', 'multiply the size by this between rows (nccl-tests -f)', '2')
    .addOption(new Option('--algo <algo>', 'algorithm (auto picks as NCCL would)').choices(COLLECTIVE_ALGORITHMS).default('auto'))
    .addOption(new Option('--network <model>', 'network model').choices(NETWORK_KINDS).default('analytical'))
    .option('--links', 'with --network flow: print the busiest links of the largest message')
    .option('--json', 'print a JSON array of {bytes, timeSeconds, algbwGBps, busbwGBps}')
    .addHelpText(
      'after',
      `
busbw is nccl-tests' bus bandwidth: algbw x 2(n-1)/n for all-reduce, x (n-1)/n for
all-gather, reduce-scatter and all-to-all, x 1 for broadcast and send/recv.

Examples:
  clustertwin collective --system nd-h100-v5 --gpus 8 --min-bytes 1K --max-bytes 8G
  clustertwin collective --system dgx-h100 --gpus 1024 --algo ring --network flow --links`,
    )
    .action((opts) => {
      const catalog = loadPresets();
      const system = resolveSystem(catalog, opts.system);
      const gpus = parseCount(opts.gpus);
      if (!Number.isInteger(gpus) || gpus < 1) throw invalid('--gpus', `expected a whole number of GPUs, got "${opts.gpus}"`);
      const minBytes = parseBytes(opts.minBytes);
      const maxBytes = parseBytes(opts.maxBytes);
      const factor = Number(opts.stepFactor);
      if (!(minBytes > 0)) throw invalid('--min-bytes', `expected a size such as 1K, 64M or 8G, got "${opts.minBytes}"`);
      if (!(maxBytes >= minBytes)) throw invalid('--max-bytes', `expected a size of at least --min-bytes, got "${opts.maxBytes}"`);
      if (!(factor > 1)) throw invalid('--step-factor', `expected a number above 1, got "${opts.stepFactor}"`);
      const net = makeNetwork(opts.network as NetworkKind, system, gpus);
      const group = packedGroup(gpus, system.node.gpusPerNode, system.node.nvlinkDomainGpus);
      const rows: SweepRow[] = [];
      for (let bytes = minBytes; bytes <= maxBytes * (1 + 1e-9); bytes *= factor) {
        const r = net.collective({ op: opts.op as CollectiveOp, bytes, group, algorithm: opts.algo as CollectiveAlgorithm });
        const algbw = bytes / r.seconds / 1e9;
        rows.push({ bytes, timeSeconds: r.seconds, algbwGBps: algbw, busbwGBps: algbw * busBandwidthFactor(opts.op as CollectiveOp, gpus), algorithm: r.algorithm, protocol: r.protocol });
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${opts.op} on ${gpus} x ${system.gpu.name} (${system.name}), ${opts.network} network\n` +
          `${table(
            ['size', 'time (us)', 'algbw (GB/s)', 'busbw (GB/s)', 'algorithm'],
            rows.map((r) => [formatBytesShort(r.bytes), (r.timeSeconds * 1e6).toFixed(1), r.algbwGBps.toFixed(2), r.busbwGBps.toFixed(2), `${r.algorithm}/${r.protocol}`]),
            [0, 1, 2, 3],
          )}\n`,
      );
      if (opts.links) {
        if (opts.network !== 'flow') throw new ClusterTwinError('invalid_value', '--links', 'needs --network flow');
        // The busiest few of each kind of link (NVLink, PCIe, NIC, trunks...).
        const all = (net as FlowNetworkModel).lastLinkLoads().sort((a, b) => b.utilisation - a.utilisation || b.bytes - a.bytes);
        const perKind = new Map<string, number>();
        const loads = all.filter((l) => {
          const n = perKind.get(l.kind) ?? 0;
          perKind.set(l.kind, n + 1);
          return n < 4;
        });
        process.stdout.write(
          `Busiest links at ${formatBytesShort(rows[rows.length - 1].bytes)}\n${table(
            ['link', 'kind', 'capacity (GB/s)', 'bytes', 'utilisation'],
            loads.map((l) => [`${l.from} -> ${l.to}`, l.kind, (l.capacityBytesPerSecond / 1e9).toFixed(1), formatBytesShort(Math.round(l.bytes)), `${(l.utilisation * 100).toFixed(0)}%`]),
            [2, 3, 4],
          )}\n`,
        );
      }
    });
}
