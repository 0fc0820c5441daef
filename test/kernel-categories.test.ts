import { describe, expect, it } from 'vitest';
import { kernelCategory, measuredCategorySeconds } from '../calibration/kernel-categories.js';

describe('kernel categories of a PyTorch profile', () => {
  it('sorts the kernel names cuBLAS, FlashAttention and ATen use', () => {
    expect(kernelCategory('sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x256x64')).toBe('gemm');
    expect(kernelCategory('nvjet_tst_256x128_64x4_2x1_v_bz_coopA_TNT')).toBe('gemm');
    expect(kernelCategory('void pytorch_flash::flash_bwd_dq_dk_dv_loop_seqk_parallel_kernel<Flash_bwd_kernel_traits>')).toBe('attention');
    expect(kernelCategory('void at::native::vectorized_elementwise_kernel<4, at::native::GeluCUDAKernelImpl>')).toBe('elementwise');
    expect(kernelCategory('void at::native::(anonymous namespace)::vectorized_layer_norm_kernel<float, float>')).toBe('norm');
    expect(kernelCategory('void at::native::multi_tensor_apply_kernel<at::native::FusedAdamMathFunctor>')).toBe('optimizer');
    expect(kernelCategory('void at::native::(anonymous namespace)::cunn_SoftMaxForward<4, float>')).toBe('loss');
  });
  it('sums microseconds per category into seconds', () => {
    const s = measuredCategorySeconds([
      { name: 'ampere_bf16_s16816gemm_bf16_128x128', count: 3, microseconds: 300 },
      { name: 'sm90_xmma_gemm_bf16', count: 1, microseconds: 700 },
      { name: 'elementwise_kernel', count: 9, microseconds: 50 },
    ]);
    expect(s.gemm).toBeCloseTo(1e-3, 12);
    expect(s.elementwise).toBeCloseTo(5e-5, 12);
    expect(s.attention).toBeUndefined();
  });
});
