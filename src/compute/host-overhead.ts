/**
 * The host side of a training step. One CPU thread issues every kernel; the GPU runs them in the
 * order issued and cannot start one before the host has issued it. Where kernels are longer than
 * their issue the host runs ahead and the GPU never waits; where they are shorter (small layers,
 * many small kernels, a slow host CPU) the queue empties and the GPU idles. The model is that
 * launch queue: the host issues at its per-op rate, the GPU drains in order.
 *
 *   host:  |h1|h2|h3|h4|h5|...         (issue: Python op, autograd node, FSDP hook)
 *   GPU:      [ g1 ][g2]  [g3]...      (a kernel starts at max(previous end, its issue))
 *
 * Per-op CPU costs (docs/sources/host-overhead.md): an op launched from Python 9.7 µs (measured for
 * this project on the H100 calibration host), a Linear module's GEMM 13.5 µs in torch and about 36 µs
 * in Transformer Engine (TE issue #2053), a kernel the autograd engine launches from C++ in the
 * backward pass 5 µs (the CUDA launch path, 4-6 µs), 20 µs per parameter tensor of a ZeRO-3 (FSDP)
 * unit each time it is gathered and freed (PyTorch PR #96958). CUDA graphs replay a captured pass as
 * one launch (no per-kernel issue). The figures are for a DGX H100-class x86 host; a node's
 * `hostCpuSlowdown` scales them (Grace hosts: about 2.5-2.75x, TransformerEngine issue #2053).
 */
import type { HostOverheadMode, KernelStyle } from '../config/execution-schema.js';
import type { Kernel } from './kernel.js';

/**
 * CPU seconds to issue one kernel from Python in eager PyTorch: `x.add_(1)` on one element, 2,000
 * times back to back, measured 9.66 µs on the H100 calibration host and 9.2 µs on the H200 one
 * (calibration/results/h100-sxm-80g-2026-11-28.json `kernelOverheadMicroseconds`); the GPU work is
 * nil, so the rate is the host's. TE issue #2053 measures 13.48 µs of CPU for torch's Linear forward
 * on a DGX H100 (Xeon 8480C), a heavier op.
 */
export const PYTHON_OP_SECONDS = 9.7e-6;

/**
 * CPU seconds for the autograd engine to issue one backward kernel: no Python, the dispatcher and
 * the CUDA launch path, 4-6 µs a launch (docs/sources/gpu-efficiency.md sec. 6: the driver/runtime
 * path on a current GPU; NVIDIA's CUDA Graphs blog, 3.8 µs a kernel back to back); the middle, 5 µs.
 */
export const AUTOGRAD_OP_SECONDS = 5e-6;

/**
 * CPU seconds of torch's Linear forward (one GEMM) on a DGX H100 (Xeon 8480C), bf16, hidden 2048,
 * 8,192 tokens: 13.48 µs (TransformerEngine issue #2053). The GEMM figure of eager stacks.
 */
export const TORCH_LINEAR_SECONDS = 13.48e-6;

/**
 * CPU seconds of Transformer Engine's Linear forward on the same host: TE #2053 measures TE at 2.73x
 * torch's CPU time on GH200 (90.53 / 33.17 µs) and 2.69x on GB200 (99.66 / 37.08); its DGX H100 TE
 * figure is not in the excerpt read, so torch's 13.48 µs times 2.7 (D). The GEMM figure of fused
 * (Megatron-Core / TE) stacks, whose modules carry Python logic around each GEMM (FP8 metadata,
 * userbuffers, workspace and stream handling).
 */
export const TE_LINEAR_SECONDS = 2.7 * TORCH_LINEAR_SECONDS;

/**
 * CPU seconds per parameter tensor each time a ZeRO-3 (FSDP) unit is gathered and freed: FSDP1's
 * unshard (views into the gathered flat parameter), writeback and reshard cost 4.27 + 1.07 + 2.75 ms
 * for 400 parameters after PyTorch PR #96958 (2023-03; 12.6 ms before), about 20 µs a parameter.
 * Paid before the forward and again before the backward of every unit.
 */
export const ZERO3_PARAM_SECONDS = 20e-6;

/** One kernel as the launch queue sees it: GPU seconds it runs, CPU seconds to issue it. */
export interface IssuedWork {
  gpuSeconds: number;
  hostSeconds: number;
}

/**
 * Runs `work` through the launch queue. The GPU is free at time 0 and the host is `hostLeadSeconds`
 * ahead of it (it started issuing this work that long before; negative: it is behind). Returns when
 * the GPU finishes and the host's lead at the end (GPU finish minus host finish).
 */
export function launchQueue(work: readonly IssuedWork[], hostLeadSeconds = 0): { seconds: number; hostLeadSeconds: number } {
  let host = -hostLeadSeconds;
  let gpu = 0;
  for (const w of work) {
    host += w.hostSeconds;
    gpu = Math.max(gpu, host) + w.gpuSeconds;
  }
  return { seconds: gpu, hostLeadSeconds: gpu - host };
}

/**
 * Layers (identical passes) run after an empty queue before the per-layer time is taken as steady:
 * the host's lead grows by (GPU - host) time a layer, so a few layers settle it.
 */
const SETTLING_LAYERS = 4;

/**
 * Seconds one layer pass takes in steady state, when identical passes follow each other on the
 * stream: at least its GPU time, at least its host time (the queue never fills when the host is the
 * slower), more where the host falls behind inside the pass. `maxLeadSeconds` bounds how far the
 * host may run ahead (FSDP1's rate limiter keeps it within about one unit).
 */
export function steadyPassSeconds(work: readonly IssuedWork[], maxLeadSeconds = Infinity): number {
  let lead = 0;
  let seconds = 0;
  for (let i = 0; i < SETTLING_LAYERS; i++) {
    const r = launchQueue(work, Math.min(lead, maxLeadSeconds));
    seconds = r.seconds;
    lead = r.hostLeadSeconds;
  }
  return seconds;
}

/**
 * Launches eager PyTorch makes for each non-GEMM kernel of the twin's eager inventory, which merges
 * what moves the same bytes: the H100 calibration steps (calibration/results/h100-sxm-80g-2026-11-28.json,
 * measure_gpu.py's GPT layer, 24 layers, optimizer launches taken out) launch about 73 kernels a layer
 * under autocast over fp32 weights against the twin's 30, 51 against 24 in bf16, and 95 against 43 with
 * activation checkpointing: 2.1-2.4x, taken at 2.3 (the extra ones are autocast casts, contiguous
 * copies, bias-gradient reductions, gradient accumulation). Fused stacks launch what they list (1).
 */
export const EAGER_LAUNCHES_PER_KERNEL = 2.3;

/** Who issues a kernel: Python (forward, recompute) or the autograd engine (backward). */
export type Issuer = 'python' | 'autograd';

/**
 * CPU seconds to issue one kernel. GEMMs go through a Linear module: torch's in eager stacks, TE's in
 * fused ones, whose backward is a Python autograd.Function that issues the data and weight gradient
 * GEMMs (half a module's time each, D). Every other kernel costs a Python op in the forward pass and an
 * autograd launch in the backward, as many times as the stack launches per listed kernel.
 */
export function issueSeconds(kernel: Kernel, issuer: Issuer, style: KernelStyle): number {
  if (kernel.kind === 'gemm') {
    if (style === 'fused') return issuer === 'python' ? TE_LINEAR_SECONDS : TE_LINEAR_SECONDS / 2;
    return issuer === 'python' ? TORCH_LINEAR_SECONDS : AUTOGRAD_OP_SECONDS;
  }
  const launches = style === 'eager' ? EAGER_LAUNCHES_PER_KERNEL : 1;
  return launches * (issuer === 'python' ? PYTHON_OP_SECONDS : AUTOGRAD_OP_SECONDS);
}

/** The host's settings for a step. */
export interface HostSettings {
  mode: HostOverheadMode;
  /** Elementwise kernel style: eager PyTorch or fused (Megatron-Core / Transformer Engine) modules. */
  style: KernelStyle;
  /** The host CPU's time per op relative to a DGX H100's Xeon (1). */
  cpuSlowdown: number;
  /** Parameter tensors of one ZeRO-3 unit gathered and freed around each pass (0 without ZeRO-3). */
  zero3ParamTensors: number;
}

/** Kernels of one pass issued by one issuer, with the GPU seconds of each. */
export interface PassSegment {
  kernels: readonly Kernel[];
  gpuSeconds: readonly number[];
  issuer: Issuer;
}

/**
 * The launch-queue items of one layer pass: a host-only hook (ZeRO-3's per-parameter work), then each
 * kernel with its issue cost. Under CUDA graphs the pass's kernels are one graph launch (a Python
 * call); the ZeRO-3 hooks still run eagerly around it.
 */
export function passWork(host: HostSettings, segments: readonly PassSegment[]): IssuedWork[] {
  const scale = host.cpuSlowdown;
  const graphs = host.mode === 'cuda-graphs';
  const out: IssuedWork[] = [];
  if (host.zero3ParamTensors > 0) out.push({ gpuSeconds: 0, hostSeconds: host.zero3ParamTensors * ZERO3_PARAM_SECONDS * scale });
  if (graphs) out.push({ gpuSeconds: 0, hostSeconds: PYTHON_OP_SECONDS * scale });
  for (const seg of segments) {
    seg.kernels.forEach((k, i) => {
      out.push({ gpuSeconds: seg.gpuSeconds[i], hostSeconds: graphs ? 0 : issueSeconds(k, seg.issuer, host.style) * scale });
    });
  }
  return out;
}

/**
 * A layer pass's steady time on the stream under `host`; with the model off, its kernels' summed GPU
 * time exactly (the twin before this model).
 */
export function hostBoundPassSeconds(host: HostSettings, segments: readonly PassSegment[], maxLeadSeconds = Infinity): number {
  if (host.mode === 'off') {
    let s = 0;
    for (const seg of segments) for (const g of seg.gpuSeconds) s += g;
    return s;
  }
  return steadyPassSeconds(passWork(host, segments), maxLeadSeconds);
}
