/**
 * `clustertwin collective`: an nccl-tests-style sweep on the twin.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { loadPresets } from '../../node/presets.js';
import { resolveSystem } from '../../config/catalog.js';
import { ClusterTwinError, echo, invalid } from '../../errors.js';
import { COLLECTIVE_ALGORITHMS, COLLECTIVE_OPS, busBandwidthFactor, packedGroup, type CollectiveAlgorithm, type CollectiveOp } from '../../network/network-model.js';
import { NETWORK_KINDS, makeNetwork, type NetworkKind } from '../../network/make-network.js';
import type { FlowNetworkModel } from '../../network/flow/flow-network.js';
import { formatBytesShort, parseBytes } from '../../units.js';
import { MAX_GPUS } from '../../config/bounds.js';
import { checkFabricHolds } from '../../topology/fat-tree-geometry.js';
import { numberFlag } from '../flag-values.js';

/** The largest message: 1 TiB, 128x nccl-tests' usual 8G top. */
const MAX_MESSAGE_BYTES = 1024 ** 4;
const MAX_ROWS = 1000;
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
    .option('--min-bytes <size>', 'smallest message; a bare K, M, G, T is binary as in nccl-tests (1K = 1KiB = 1,024 bytes), KB, MB, GB are decimal (1KB = 1,000)', '1K')
    .option('--max-bytes <size>', 'largest message (at most 1T)', '8G')
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
      // A collective over one GPU moves nothing: its bandwidth would be a division by zero.
      const gpus = numberFlag(opts.gpus, '--gpus', { min: 2, max: MAX_GPUS, integer: true, unit: 'GPUs' });
      checkFabricHolds(system, gpus, '--gpus');
      const minBytes = parseBytes(opts.minBytes);
      const maxBytes = parseBytes(opts.maxBytes);
      if (!(minBytes >= 1 && minBytes <= MAX_MESSAGE_BYTES)) throw invalid('--min-bytes', `expected a size from 1 to 1T, such as 1K, 64M or 8G (1K = 1,024 bytes), got ${echo(opts.minBytes)}`);
      if (!(maxBytes >= minBytes && maxBytes <= MAX_MESSAGE_BYTES)) throw invalid('--max-bytes', `expected a size from --min-bytes to 1T (1K = 1,024 bytes), got ${echo(opts.maxBytes)}`);
      const factor = numberFlag(opts.stepFactor, '--step-factor', { min: 1, max: 1024, exclusiveMin: true });
      // Rows at most: nccl-tests' own default sweep has a few dozen.
      if (Math.log(maxBytes / minBytes) / Math.log(factor) > MAX_ROWS) {
        throw invalid('--step-factor', `${factor} from ${opts.minBytes} to ${opts.maxBytes} makes more than ${MAX_ROWS} rows; use a larger factor`);
      }
      if (opts.links && opts.network !== 'flow') throw new ClusterTwinError('invalid_value', '--links', 'needs --network flow');
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
