/**
 * The system axis: GPU, node, scale-out fabric, storage, price and power.
 * Fields are in the units their names say (GB/s, Gb/s, TFLOP/s, GiB, W), as a
 * spec sheet writes them; `resolveSystem` turns them into SI base units.
 */
import { z } from 'zod';
import { FailureModelInputSchema, type FailureModelSpec } from './reliability-schema.js';
import { BOUNDS, nameSchema as name } from './bounds.js';
import { FABRIC_KIND_NAMES } from './fabric-kinds.js';

/**
 * A spec-sheet figure (GB/s, TFLOP/s, GiB, W): from 1e-6 to 1e9 of its unit, so that products and
 * quotients of several stay finite (1e9 TFLOP/s is a million times any GPU; 1e-300 GB/s once made
 * a run take Infinity seconds).
 */
const SPEC_RANGE = 'expected a number above 0 (from 1e-6 to 1e9 of its unit)';
const positive = () => z.number({ error: SPEC_RANGE }).min(1e-6, { error: SPEC_RANGE }).max(1e9, { error: SPEC_RANGE });
/** A small count of parts (GPUs in a node, NICs, ports): 1 to `max`. */
const parts = (max: number) => z.number().int().positive().max(max);
const text = () => z.string().max(BOUNDS.textChars.max);
/** An efficiency: at least 0.01% (below that, times overflow to Infinity) and at most 100%. */
const FRACTION_RANGE = 'expected a fraction from 0.0001 to 1';
const fraction = () => z.number({ error: FRACTION_RANGE }).min(1e-4, { error: FRACTION_RANGE }).max(1, { error: FRACTION_RANGE });

/** Dense (no sparsity) peak throughput per precision, TFLOP/s. */
export const PeakTflopsSchema = z.object({
  fp32: positive(),
  tf32: positive().optional(),
  fp16: positive(),
  /** Absent on GPUs without bf16 tensor cores (V100). */
  bf16: positive().optional(),
  fp8: positive().optional(),
  /** Dense FP4 (NVFP4) tensor-core peak; present on Blackwell only. */
  fp4: positive().optional(),
});

/**
 * How close kernels get to the peaks. Each figure is a measurement or a
 * published figure, cited in the preset file beside it.
 */
export const GpuEfficiencySchema = z.object({
  /** Largest achieved dense-GEMM rate as a fraction of peak (large, square-ish GEMMs). */
  gemmPeakFraction: fraction(),
  /** FP8 GEMMs reach a lower fraction of their (doubled) peak; defaults to gemmPeakFraction. */
  gemmPeakFractionFp8: fraction().optional(),
  /** Output tile (rows x cols) of the largest GEMM kernel; small GEMMs lose to tile and wave quantization. */
  gemmTile: z.tuple([parts(4096), parts(4096)]),
  /** Reduction-dimension length at which a GEMM reaches half of its k-limited rate (prologue/epilogue cost). */
  gemmHalfRateK: z.number().nonnegative().max(1e9),
  /** Fused (flash) attention forward rate as a fraction of peak. */
  flashAttentionForwardFraction: fraction(),
  /** Fused (flash) attention backward rate as a fraction of peak. */
  flashAttentionBackwardFraction: fraction(),
  /** Achieved fraction of HBM bandwidth for streaming (memory-bound) kernels. */
  hbmBandwidthFraction: fraction(),
  /** Fixed cost per kernel (launch and tail), microseconds. */
  kernelOverheadMicroseconds: z.number().nonnegative().max(1e6),
  /** Memory the runtime keeps for itself (CUDA context, NCCL buffers, allocator slack), GiB. */
  runtimeReserveGiB: z.number().nonnegative().max(1e9),
});

/**
 * The tensor cores' sustained rate against the step's GEMM duty under the power cap, as measured
 * (src/compute/power-clock.ts): points in increasing duty, the rate never rising with duty (a denser
 * step is never faster), relative to the rate at `referenceGemmDuty`, the duty at which the preset's
 * GEMM and attention fractions were measured.
 */
export const SustainedClockSchema = z
  .object({
    /** The measurement the points come from. */
    source: text(),
    /** GEMM duty of the measurement the preset's efficiency fractions come from. */
    referenceGemmDuty: z.number().min(0).max(1),
    points: z
      .array(z.object({ gemmDuty: z.number().min(0).max(1), relativeClock: z.number().min(0.01).max(10) }))
      .min(1)
      .max(64),
  })
  .superRefine((c, ctx) => {
    for (let i = 1; i < c.points.length; i++) {
      if (c.points[i].gemmDuty <= c.points[i - 1].gemmDuty) {
        ctx.addIssue({ code: 'custom', path: ['points', i, 'gemmDuty'], message: 'points must be in increasing gemmDuty' });
      }
      if (c.points[i].relativeClock > c.points[i - 1].relativeClock) {
        ctx.addIssue({ code: 'custom', path: ['points', i, 'relativeClock'], message: 'relativeClock must not rise with gemmDuty (a denser step is never faster)' });
      }
    }
  });

export const GpuSpecSchema = z.object({
  name: name(),
  description: text().optional(),
  peakTflops: PeakTflopsSchema,
  hbmGiB: positive(),
  hbmBandwidthGBps: positive(),
  tdpWatts: positive(),
  smCount: parts(100_000),
  efficiency: GpuEfficiencySchema,
  /** Sustained clock against the step's GEMM duty (absent: the preset's rates at every mix). */
  sustainedClock: SustainedClockSchema.optional(),
  /**
   * Spread of kernel time from GPU to GPU of this SKU (standard deviation over the mean, persistent per
   * GPU); a step waits for the slowest rank (schedule/rank-variation.ts). Absent: no evidence, no wait.
   */
  kernelTimeCv: z.number().nonnegative().max(0.5).optional(),
  /**
   * FP8 GEMMs take their operands in any layout (Blackwell, sm_100 and later), so a per-tensor FP8 cast
   * writes no transposed copy. Absent or false: TN only (Hopper), every FP8 operand cast with its transpose.
   */
  fp8AnyLayoutGemm: z.boolean().optional(),
});

export const NodeSpecSchema = z.object({
  /** At most 1,024: twice the largest NVLink domain announced (NVL576). */
  gpusPerNode: parts(1024),
  /** NVLink bandwidth per GPU, per direction (NVIDIA's "900 GB/s" for H100 is bidirectional: 450 here). */
  nvlinkGBpsPerGpu: positive(),
  /** GPUs in one NVLink domain (8 in a DGX; 72 in an NVL72 rack). Defaults to gpusPerNode. */
  nvlinkDomainGpus: parts(1024).optional(),
  /** Whether NVSwitch can reduce in the switch (NVLS, NVLink SHARP; Hopper and later). */
  nvls: z.boolean().default(false),
  /** Achieved fraction of NVLink bandwidth by NCCL's ring algorithm. */
  nvlinkAchievedFraction: fraction(),
  /** NVLS all-reduce algorithm bandwidth as a fraction of the NVLink line rate (when nvls). */
  nvlsAlgbwFraction: fraction().optional(),
  nicsPerNode: parts(1024),
  /** Line rate of one NIC, Gb/s. */
  nicGbps: positive(),
  /**
   * Achieved fraction of NIC line rate by NCCL at large messages. Absent: the fabric kind's
   * (config/fabric-kinds.ts), filled in by `resolveSystem`.
   */
  nicAchievedFraction: fraction().optional(),
  hostMemoryGiB: positive().optional(),
  /**
   * The host CPU's time per framework op (PyTorch dispatch, kernel launch) relative to a DGX H100's
   * Xeon 8480C; default 1 (x86 server hosts). Grace: about 2.5-2.75 (compute/host-overhead.ts).
   */
  hostCpuSlowdown: positive().max(100).optional(),
  /** Host link between a GPU and its NIC, GB/s per direction (PCIe 5 x16: ~63, ml-engineering). */
  pcieGBps: positive().optional(),
});

export const FabricSpecSchema = z.object({
  /**
   * The transport: infiniband, roce, ethernet (TCP sockets), efa (AWS SRD) or tcpx (Google
   * GPUDirect-TCPX/TCPXO). Each declares its NCCL efficiency, per-step latency and whether it
   * sprays packets over many paths (config/fabric-kinds.ts).
   */
  kind: z.enum(FABRIC_KIND_NAMES),
  /** Link generation, e.g. EDR, HDR, NDR, XDR (InfiniBand) or 400GbE. */
  generation: z.string().max(BOUNDS.nameChars.max),
  tiers: z.number().int().min(1).max(3),
  /** Ports of one switch: 2 to 4,096 (today's largest have 144 to 512). */
  switchRadix: z.number().int().min(2).max(4096),
  /**
   * Downlink:uplink ratio (1 = full bisection): one number for the leaf tier,
   * or [leaf, spine] to oversubscribe the spine's uplinks to the core too.
   */
  oversubscription: z.union([z.number().min(1).max(1024), z.array(z.number().min(1).max(1024)).min(1).max(2)]).default(1),
  /** One-way latency through one switch, microseconds. */
  switchLatencyMicroseconds: z.number().nonnegative().max(1e6),
  /** One-way NIC + software latency per message, microseconds. */
  nicLatencyMicroseconds: z.number().nonnegative().max(1e6),
  /** In-network reduction (InfiniBand SHARP) available. */
  sharp: z.boolean().default(false),
  /** One NIC per GPU, each on its own leaf switch (rail-optimized). */
  railOptimized: z.boolean().default(true),
  /**
   * How switches spread traffic over equal uplinks: `adaptive` (InfiniBand
   * adaptive routing: load spread evenly, so only tier capacity limits),
   * `destination` (static D-mod-k routing by destination) or `ecmp` (a hash of
   * each flow, as Ethernet/RoCE; flows can collide on one uplink).
   */
  routing: z.enum(['adaptive', 'destination', 'ecmp']).default('adaptive'),
});

export const StorageSpecSchema = z.object({
  /** Aggregate checkpoint write bandwidth of the shared store, GB/s. */
  writeGBps: positive(),
  /** Aggregate checkpoint read bandwidth of the shared store, GB/s. */
  readGBps: positive(),
});

export const SystemSpecSchema = z.object({
  name: name(),
  description: text().optional(),
  /** A GPU preset name, or a GPU described inline. */
  gpu: z.union([name(), GpuSpecSchema]),
  node: NodeSpecSchema,
  fabric: FabricSpecSchema,
  storage: StorageSpecSchema,
  /** Failure rates and recovery times: a reliability preset name, or one inline (default: the `default` preset). */
  reliability: z.union([name(), FailureModelInputSchema]).optional(),
  pricing: z.object({ usdPerGpuHour: positive() }),
  power: z.object({
    /** Power usage effectiveness of the data centre. */
    pue: z.number().min(1).max(10),
    /** Average GPU power over a training run as a fraction of TDP. */
    gpuPowerFractionOfTdp: fraction(),
    /** Everything else in a node (CPUs, memory, NICs, fans), watts. */
    hostWattsPerNode: z.number().nonnegative().max(1e9),
  }),
});

export type PeakTflops = z.infer<typeof PeakTflopsSchema>;
export type GpuEfficiency = z.infer<typeof GpuEfficiencySchema>;
export type SustainedClock = z.infer<typeof SustainedClockSchema>;
export type GpuSpec = z.infer<typeof GpuSpecSchema>;
export type NodeSpec = z.infer<typeof NodeSpecSchema>;
export type FabricSpec = z.infer<typeof FabricSpecSchema>;
export type SystemSpecInput = z.input<typeof SystemSpecSchema>;
export type SystemSpecParsed = z.infer<typeof SystemSpecSchema>;
/** A node whose NIC efficiency is resolved (the preset's, or its fabric kind's). */
export type ResolvedNodeSpec = NodeSpec & { nicAchievedFraction: number };
/** A system whose GPU is resolved to its full description. */
export type SystemSpec = Omit<SystemSpecParsed, 'gpu' | 'reliability' | 'node'> & { gpu: GpuSpec; reliability: FailureModelSpec; node: ResolvedNodeSpec };
