/**
 * Which GPU preset a calibration result stands for, shared by compare.ts and to-preset.ts: the one
 * named by --gpu, or the one the device name reported by PyTorch (`torch.cuda.get_device_name`) maps to.
 */
import { resolveGpu, type PresetCatalog } from '../src/config/catalog.js';
import type { GpuSpec } from '../src/config/system-schema.js';
import { ClusterTwinError } from '../src/errors.js';

const GPU_BY_DEVICE: ReadonlyArray<[RegExp, string]> = [
  [/H200/, 'h200-sxm-141g'],
  [/H100/, 'h100-sxm-80g'],
  [/A100.*80/, 'a100-sxm-80g'],
  [/A100/, 'a100-sxm-40g'],
  [/B200/, 'b200-sxm-180g'],
];

export function presetForDevice(device: string | undefined): string | undefined {
  return device === undefined ? undefined : GPU_BY_DEVICE.find(([re]) => re.test(device))?.[1];
}

/** One line on standard error and exit 2, as the CLI answers bad input. */
export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** The GPU preset named by --gpu, else the device's; fails (exit 2) naming --gpu when neither resolves. */
export function basePreset(catalog: PresetCatalog, named: string | undefined, device: string | undefined): { name: string; gpu: GpuSpec } {
  const name = named ?? presetForDevice(device);
  if (!name) fail(`--gpu: no preset known for device "${device ?? '(none in the file)'}"; name one`);
  try {
    return { name, gpu: resolveGpu(catalog, name) };
  } catch (err) {
    if (!(err instanceof ClusterTwinError)) throw err;
    fail(`--gpu: ${err.message.replace(/^system\.gpu: /, '')}`);
  }
}
