/**
 * The GEMM duty at which a preset's GEMM efficiency was measured, and the duty -> GEMM rate curve of
 * the duty sweep, both from the measurement files (no fit): what `sustainedClock` in a GPU preset
 * holds (src/compute/power-clock.ts; docs/sources/power-clock.md).
 *
 *   npx tsx calibration/inventory-duty.ts calibration/results/h100-sxm-80g-2026-11-28-inventory.json \
 *     calibration/results/h100-sxm-80g-2026-11-28-duty.json
 *
 * measure_inventory.py times each layer GEMM with a 256 MiB device copy after every call; the copy's
 * time is not in that file, so it is taken from the duty sweep's 256 MiB point (the same copy on the
 * same board). A GEMM's duty there is its time over its time plus the copy's. The preset's BF16
 * fraction is the median over the shapes of the fraction each needs (derive-efficiency.ts), so the
 * duty it stands for is that of the shapes around the median: printed as the median shape's duty and
 * the range over the middle half of the shapes by fraction.
 */
import { readFileSync } from 'node:fs';
import { loadPresets } from '../src/node/presets.js';
import { resolveGpu } from '../src/config/catalog.js';
import { gemmShapeEfficiency, peakFlopsPerSecond } from '../src/compute/kernel.js';

interface DutyPoint {
  copyMiB: number;
  gemmShare: number;
  gemmTflops: number;
  copySeconds: number;
  settledSmMHz: number;
  settledWatts: number;
}

const [inventoryFile, dutyFile] = process.argv.slice(2);
if (!inventoryFile || !dutyFile) {
  console.error('usage: inventory-duty.ts <inventory.json> <duty.json>');
  process.exit(2);
}
const inventory = JSON.parse(readFileSync(inventoryFile, 'utf8')) as {
  gemmLayerShapesInterleavedBf16Tflops: Record<string, { mnk: [number, number, number]; tflops: number }>;
};
const sweep = (JSON.parse(readFileSync(dutyFile, 'utf8')) as { 'dutySweep.bf16': { points: DutyPoint[] } })['dutySweep.bf16'].points;
const copy256 = sweep.find((p) => p.copyMiB === 256);
if (!copy256) throw new Error('the duty sweep has no 256 MiB point');

const gpu = resolveGpu(loadPresets(), 'h100-sxm-80g');
const peak = peakFlopsPerSecond(gpu, 'bf16') / 1e12;
const rows = Object.entries(inventory.gemmLayerShapesInterleavedBf16Tflops).map(([key, { mnk, tflops }]) => {
  const [m, n, k] = mnk;
  const gemmSeconds = (2 * m * n * k) / (tflops * 1e12);
  const duty = gemmSeconds / (gemmSeconds + copy256.copySeconds);
  const fraction = tflops / (peak * gemmShapeEfficiency(gpu, m, n, k));
  return { key, duty, fraction, tflops };
});
rows.sort((a, b) => a.fraction - b.fraction);
const mid = rows[Math.floor(rows.length / 2)];
const middle = rows.slice(Math.floor(rows.length / 4), Math.ceil((3 * rows.length) / 4)).map((r) => r.duty).sort((a, b) => a - b);
const duties = rows.map((r) => r.duty).sort((a, b) => a - b);
const pct = (x: number) => x.toFixed(3);
console.log(`copy of 256 MiB: ${(copy256.copySeconds * 1e6).toFixed(1)} us (duty sweep)`);
console.log(`inventory duty over all ${rows.length} shapes: ${pct(duties[0])}-${pct(duties[duties.length - 1])}, median ${pct(duties[Math.floor(duties.length / 2)])}`);
console.log(`median-fraction shape ${mid.key}: fraction ${mid.fraction.toFixed(3)}, duty ${pct(mid.duty)}`);
console.log(`middle half by fraction: duty ${pct(middle[0])}-${pct(middle[middle.length - 1])}`);
console.log('by duty (duty, TFLOP/s, fraction):');
for (const r of [...rows].sort((a, b) => a.duty - b.duty)) console.log(`  ${r.key.padEnd(24)} ${pct(r.duty)} ${r.tflops.toFixed(0)} ${r.fraction.toFixed(3)}`);
console.log('duty sweep (share, TFLOP/s, MHz, W):');
for (const p of [...sweep].sort((a, b) => a.gemmShare - b.gemmShare)) {
  console.log(`  ${pct(p.gemmShare)} ${p.gemmTflops.toFixed(1)} ${p.settledSmMHz} ${p.settledWatts}`);
}
