/** Which GPU preset a device name reported by PyTorch (`torch.cuda.get_device_name`) stands for. */
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
