/**
 * The figures the building is sized from: what a node, a switch and an optic draw and cost, how
 * many nodes share a rack, and the rules for UPS, generators, cooling and money. Every figure has
 * its source beside it (P: primary, a vendor document or paper; S: secondary, a report quoting
 * one; D: derived here from cited figures; U: unconfirmed estimate, settable by the user).
 * docs/sources/facility.md lists them with their addresses.
 */

/** What one node of a system draws at most, how many share a rack, and what it costs. */
export interface NodeFacilitySpec {
  /** The node's rated maximum input power, watts (GPUs, CPUs, memory, NICs, fans, PSU losses). */
  maxWatts: number;
  nodesPerRack: number;
  priceUsd: number;
  source: string;
}

/**
 * By system preset name. A system not listed takes the DGX H100's ratio of GPU TDP to node maximum
 * (genericNode below).
 */
export const NODE_SPECS: Record<string, NodeFacilitySpec> = {
  // DGX H100: "10.2 kW max" (NVIDIA DGX H100 datasheet, P; DGX H100 user guide, 4 x 3.3 kW PSUs);
  // 4 systems per rack: the 4-SU SuperPOD's 127 nodes fill 32 of its 38 racks (SuperPOD H100 RA,
  // RA-11333-001, Table 7, P). Price U: press reports of $300k-$500k per DGX H100.
  'dgx-h100': { maxWatts: 10_200, nodesPerRack: 4, priceUsd: 400_000, source: 'NVIDIA DGX H100 datasheet (10.2 kW max, P); SuperPOD H100 RA (4 per rack, P); price U' },
  // DGX B200: 14.3 kW max (NVIDIA DGX B200 datasheet, P); 2 per rack: "power consumption per rack
  // exceeds 25 kW" (SuperPOD B200 RA, P). Price U.
  'dgx-b200': { maxWatts: 14_300, nodesPerRack: 2, priceUsd: 515_000, source: 'NVIDIA DGX B200 datasheet (14.3 kW, P); SuperPOD B200 RA (>25 kW per rack, P); price U' },
  // GB200 NVL72: one rack of 18 compute trays (the preset's 4-GPU node) drawing ~120 kW in all
  // (ServeTheHome at GTC 2024, S; NVIDIA "120 kW" in its rack material) -> 120 kW / 18 per tray,
  // the NVLink switch trays' share included. Rack price $2-3M (S) -> $2.5M / 18.
  'gb200-nvl72': { maxWatts: 120_000 / 18, nodesPerRack: 18, priceUsd: 2_500_000 / 18, source: 'GB200 NVL72 ~120 kW per rack (ServeTheHome, S); $2-3M per rack (S)' },
};

/** The DGX H100's GPUs' share of its node maximum: 8 x 700 W of 10.2 kW (D). */
export const GPU_SHARE_OF_NODE_MAX = (8 * 700) / 10_200;

/** A system without its own figures: the DGX H100's proportions (D), 4 nodes per rack, $50k per GPU (U). */
export function genericNode(gpusPerNode: number, gpuTdpWatts: number): NodeFacilitySpec {
  return {
    maxWatts: (gpusPerNode * gpuTdpWatts) / GPU_SHARE_OF_NODE_MAX,
    nodesPerRack: Math.max(1, Math.floor(32 / gpusPerNode)),
    priceUsd: gpusPerNode * 50_000,
    source: "no figures for this system: the DGX H100's GPU share of node power (D), 32 GPUs a rack and $50k a GPU (U)",
  };
}

/**
 * GPU power during a training step's phases, as a fraction of TDP.
 * Compute: measured on this project's H100 SXM (calibration/results/h100-sxm-80g-2026-11-28-duty.json):
 * 658-697 W settled while a bf16 GEMM held 50-100% of the time, i.e. 0.94-1.0 of 700 W; 0.95 (D).
 * Low (communication, bubble, waiting, idle): "communication-heavy phases (GPUs near idle power)"
 * (Choukse et al. 2025, arXiv 2508.14318, sec. 2); an H100's idle draw is ~70-100 W and NCCL
 * keeps a few SMs and HBM busy: 0.15 of TDP (U).
 */
export const GPU_COMPUTE_POWER_FRACTION = 0.95;
export const GPU_LOW_POWER_FRACTION = 0.15;

/**
 * The rest of a node (CPUs, memory, NICs, NVSwitch, fans) under training, as a fraction of its share
 * of the node maximum. Newkirk et al. 2025 (arXiv 2506.14551, P) measured DGX H100 nodes at 76% of
 * 10.2 kW (7.75 kW) under compute-heavy training; less 8 GPUs at 0.95 x 700 W (5.32 kW) leaves
 * 2.43 kW of the 4.6 kW non-GPU maximum: 0.53 (D).
 */
export const HOST_POWER_FRACTION_OF_MAX = (0.76 * 10_200 - 8 * 700 * GPU_COMPUTE_POWER_FRACTION) / (10_200 - 8 * 700);

/** One NIC port: ConnectX-7 400G OSFP adapter ~25 W with its optic's 17 W counted separately (U). Part of the node maximum. */
export const NIC_WATTS = 25;

/**
 * A fabric switch (Quantum-2 QM9700, 64 x 400G in 32 OSFP cages): chassis without optics 750 W (U:
 * no datasheet figure found; settable), $25k (U). Each OSFP cage holds one twin-port transceiver
 * drawing up to 17 W ("Class 8 (17W) OSFP112", QM97XX user manual, P); a port of a cage is one link end.
 */
export const SWITCH = { watts: 750, priceUsd: 25_000, portsPerTransceiver: 2, transceiverWatts: 17, transceiverPriceUsd: 1_500, cablePriceUsd: 150 };

/** Storage: a parallel file system appliance per 20 GB/s of write bandwidth, ~3 kW and $300k each (U). */
export const STORAGE = { gbpsPerAppliance: 20, wattsPerAppliance: 3_000, priceUsdPerAppliance: 300_000 };

/**
 * Cooling by rack density. Room air with hot/cold aisles to ~20 kW/rack; containment or rear-door
 * heat exchangers to ~50 kW (the DGX H100 SuperPOD's 40.8 kW racks are air-cooled, NVIDIA RA, P);
 * beyond, direct-to-chip liquid ("many [data centres] can only support racks of up to 60 kW", STH, S;
 * GB200 NVL72 requires liquid, NVIDIA, P). Thresholds U within those bounds.
 */
export const COOLING_LIMITS_KW = { roomAir: 20, containedAir: 50 };

/**
 * PUE: the system preset's (1.1, the LLaMA paper's accounting) unless given. For comparison, the
 * Uptime Institute's 2024 global survey average is 1.56 (S).
 */
export const PUE_SURVEY_AVERAGE = 1.56;

/**
 * UPS: rated in kVA at power factor 0.9 (typical double-conversion UPS output rating, S); modules of
 * 1,250 kVA (U). Generators: rated kVA at power factor 0.8 (ISO 8528-1 rating convention, S), 3,000 kVA
 * sets (U), sized for the whole facility load (IT x PUE), N+1 (Uptime Tier III "N+1 concurrently
 * maintainable", S; the SuperPOD RA asks for Tier 3, P).
 */
export const UPS = { powerFactor: 0.9, moduleKva: 1_250 };
export const GENERATOR = { powerFactor: 0.8, unitKva: 3_000 };

/**
 * Building: $11.7M per MW of critical load, the average over 19 US markets ($9.3M-$15.0M; Cushman &
 * Wakefield Data Center Development Cost Guide 2025, S), excluding IT equipment and land.
 */
export const BUILDING_USD_PER_MW = 11.7e6;

/**
 * Energy $80/MWh (US industrial average ~8 cents/kWh, EIA Electric Power Monthly 2024, S). Staff: 1
 * full-time person per MW of critical load at $150k a year (U: operators quote 0.5-2 per MW).
 */
export const ENERGY_USD_PER_MWH = 80;
export const STAFF = { perMW: 1, usdPerYear: 150_000 };

/** A GPU's power slews in tens of milliseconds (U; the twin's phases switch instantly): the ramp is a jump over this time. */
export const GPU_POWER_SLEW_SECONDS = 0.05;
