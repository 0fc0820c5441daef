/**
 * The twin's tensor-parallel overlap on the operator cases FLUX measured Transformer Engine on
 * (Chang et al., arXiv 2406.06858, sec. 5.1: GPT-3 175B shapes, TP 8, bf16, m = 1024-8192 tokens,
 * all-gather before FC1 and reduce-scatter after FC2), as FLUX's overlap efficiency
 * E = 1 - exposed communication / communication alone. FLUX measured TE 1.4.0's userbuffers at
 * -40% to 80%, mean 20%, on 8x H800 (docs/sources/tp-overlap.md).
 *
 *   npx tsx calibration/tp-overlap-flux.ts [--nvlink-gbps 200] [--overlap-interference none|sms|sms-hbm|both-ways]
 *
 * H800 is H100 compute with NVLink cut to 200 GB/s a direction (8 links instead of 18); the default
 * models it as the dgx-h100 preset with that NVLink and no NVLink SHARP.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadPresets } from '../src/node/presets.js';
import { resolveScenario } from '../src/engine.js';
import { analyticalNetwork } from '../src/network/analytical.js';
import { parallelLayout } from '../src/parallel/layout.js';
import { kernelSeconds, type GemmKernel } from '../src/compute/kernel.js';
import { gemm } from '../src/compute/shard-shape.js';
import { segmentExposed, spForwardPlan } from '../src/schedule/tp-comm.js';
import { tpInterference } from '../src/schedule/overlap-interference.js';
import { busBandwidthFactor } from '../src/network/network-model.js';
import { ExecutionDefaults, OVERLAP_INTERFERENCE_MODES, type OverlapInterference } from '../src/config/execution-schema.js';
import type { SystemSpec } from '../src/config/system-schema.js';

const TP = 8;
const HIDDEN = 12288;
const FFN = 49152;
export const FLUX_TOKENS = [1024, 2048, 4096, 8192];

export interface FluxCase {
  tokens: number;
  gemmSeconds: { fc1: number; fc2: number };
  commSeconds: { allGather: number; reduceScatter: number };
  /** Overlap efficiency of the all-gather under FC1 and the reduce-scatter under FC2. */
  efficiency: { allGather: number; reduceScatter: number };
}

/** The twin's overlap efficiency on FLUX's cases, on `system` (8 GPUs in one NVLink node), with the interference model `mode`. */
export function fluxCases(system: SystemSpec, mode: OverlapInterference = ExecutionDefaults.overlapInterference): FluxCase[] {
  const net = analyticalNetwork(system);
  const tp = parallelLayout({ gpus: TP, tp: TP, cp: 1, ep: 1, dp: 1, pp: 1 }, system.node.gpusPerNode).tp;
  return FLUX_TOKENS.map((m) => {
    const bytes = 2 * m * HIDDEN;
    const allGather = net.collective({ op: 'allgather', bytes, group: tp }).seconds;
    const reduceScatter = net.collective({ op: 'reducescatter', bytes, group: tp }).seconds;
    const fc1 = gemm('fc1', m, FFN / TP, HIDDEN, 'bf16');
    const fc2 = gemm('fc2', m, HIDDEN, FFN / TP, 'bf16');
    const byName = (name: string): GemmKernel => (name === 'qkv' || name === 'fc1' ? fc1 : fc2);
    const seconds = (name: string, parts = 1): number => {
      const k = byName(name);
      return parts <= 1 ? kernelSeconds(system.gpu, k) : parts * kernelSeconds(system.gpu, { ...k, m: Math.ceil(k.m / parts) });
    };
    const linkBytes = bytes * busBandwidthFactor('allgather', TP);
    const interference = tpInterference(system.gpu, mode, TP, byName);
    const plan = spForwardPlan(seconds, { allGather, reduceScatter, ncclSlowdown: 0, linkBytes }, TP, system.gpu.smCount, interference);
    // The plan's third and fourth segments: the all-gather before FC1 and the reduce-scatter after FC2.
    const [, , agSegment, rsSegment] = plan.overlapped;
    return {
      tokens: m,
      gemmSeconds: { fc1: seconds('fc1'), fc2: seconds('fc2') },
      commSeconds: { allGather, reduceScatter },
      efficiency: { allGather: 1 - segmentExposed(agSegment) / allGather, reduceScatter: 1 - segmentExposed(rsSegment) / reduceScatter },
    };
  });
}

export const meanEfficiency = (cases: readonly FluxCase[]): number =>
  cases.reduce((s, c) => s + c.efficiency.allGather + c.efficiency.reduceScatter, 0) / (2 * cases.length);

/** The dgx-h100 preset with H800's NVLink. */
export function h800Like(nvlinkGBps = 200): SystemSpec {
  const base = resolveScenario({ system: 'dgx-h100', model: 'gpt3-175b', gpus: TP, tp: TP, pp: 1 }, loadPresets()).system;
  return { ...base, node: { ...base.node, nvlinkGBpsPerGpu: nvlinkGBps, nvls: false } };
}

// Run as a script (not when a test imports it).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { 'nvlink-gbps': { type: 'string', default: '200' }, 'overlap-interference': { type: 'string', default: ExecutionDefaults.overlapInterference } } });
  const mode = values['overlap-interference'] as OverlapInterference;
  if (!OVERLAP_INTERFERENCE_MODES.includes(mode)) throw new Error(`--overlap-interference: one of ${OVERLAP_INTERFERENCE_MODES.join(', ')}`);
  const cases = fluxCases(h800Like(Number(values['nvlink-gbps'])), mode);
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const ms = (x: number) => `${(x * 1e3).toFixed(3)} ms`;
  for (const c of cases) {
    console.log(
      `m ${c.tokens}: FC1 ${ms(c.gemmSeconds.fc1)}, all-gather ${ms(c.commSeconds.allGather)}, E ${pct(c.efficiency.allGather)} | ` +
        `FC2 ${ms(c.gemmSeconds.fc2)}, reduce-scatter ${ms(c.commSeconds.reduceScatter)}, E ${pct(c.efficiency.reduceScatter)}`,
    );
  }
  console.log(`mean E ${pct(meanEfficiency(cases))} (FLUX measured TE 1.4.0: mean 20%, range -40% to 80%, on 8x H800)`);
}
