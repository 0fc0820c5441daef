#!/usr/bin/env python3
"""What a per-kernel-kind model of an eager PyTorch step needs, measured kernel by kernel.

measure_gpu.py and measure_sustained.py found (results/h100-sxm-80g-2026-11-28*.json) that the twin gets
whole eager steps right within 7% while its split by kernel kind is off both ways: GEMMs inside a step
run faster than the twin's shape model says (GEMMs with other kernels between them ran 761-770 TFLOP/s at
8192^3, 668 back to back), and the eager elementwise kernels take longer than its inventory counts. This
script measures the two pieces a per-kind model would be built from:

- the rate of each GEMM of a transformer layer (forward, data gradient, weight gradient) when another
  kernel runs between calls, as in a step (a 256 MiB copy after each, timed apart with CUDA events),
  for the shapes of the validation suite's small and mid-size runs;
- one layer's forward and backward, kernel by kernel (profiler), as two reference implementations
  write it: llm-foundry's MPT block (fused Wqkv without biases, chunk into q, k, v, low-precision
  LayerNorm, GELU MLP) and Hugging Face's Llama block (reference RMSNorm, separate q, k, v, rotate_half
  rotary, transpose for SDPA and back, SwiGLU), each under autocast over fp32 weights and in pure bf16.

Run once on a lent machine (about a minute):

    python3 calibration/measure_inventory.py --out "$OUT/gpu-inventory.json"
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure_gpu import environment, kernel_profile, layer_gemms, new_result, run_section  # noqa: E402


def interleaved_gemm_tflops(m, n, k, copy_mib=256, calls=30):
    """A bf16 GEMM's rate when a memory-bound kernel runs between calls, as in a training step."""
    a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02
    src = torch.empty(copy_mib * 2**20 // 2, device="cuda", dtype=torch.bfloat16)
    dst = torch.empty_like(src)
    for _ in range(10):
        a @ b.t()
        dst.copy_(src)
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(calls)]
    for e0, e1 in events:
        e0.record()
        a @ b.t()
        e1.record()
        dst.copy_(src)
    torch.cuda.synchronize()
    seconds = sum(e0.elapsed_time(e1) for e0, e1 in events) / 1e3 / calls
    return 2 * m * n * k / seconds / 1e12


class LowPrecisionLayerNorm(torch.nn.LayerNorm):
    """llm-foundry's low_precision_layernorm: cast the input to the autocast dtype, normalize there."""

    def forward(self, x):
        dtype = torch.get_autocast_dtype("cuda") if torch.is_autocast_enabled("cuda") else x.dtype
        with torch.autocast("cuda", enabled=False):
            return F.layer_norm(x.to(dtype), self.normalized_shape, self.weight.to(dtype), None if self.bias is None else self.bias.to(dtype), self.eps)


class MptBlock(torch.nn.Module):
    """llm-foundry's MPTBlock with no_bias: true, attn_impl torch (SDPA), GELU MLP of 4x hidden."""

    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.norm_1 = LowPrecisionLayerNorm(hidden, bias=False)
        self.Wqkv = torch.nn.Linear(hidden, 3 * hidden, bias=False)
        self.out_proj = torch.nn.Linear(hidden, hidden, bias=False)
        self.norm_2 = LowPrecisionLayerNorm(hidden, bias=False)
        self.up_proj = torch.nn.Linear(hidden, 4 * hidden, bias=False)
        self.down_proj = torch.nn.Linear(4 * hidden, hidden, bias=False)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.Wqkv(self.norm_1(x)).chunk(3, dim=2)
        q, k, v = (t.view(b, s, self.heads, h // self.heads).transpose(1, 2) for t in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.out_proj(a.transpose(1, 2).reshape(b, s, h))
        return x + self.down_proj(F.gelu(self.up_proj(self.norm_2(x)), approximate="none"))


class RmsNorm(torch.nn.Module):
    """Hugging Face LlamaRMSNorm."""

    def __init__(self, hidden, eps=1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(hidden))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.to(torch.float32)
        var = x.pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(var + self.eps)
        return self.weight * x.to(dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class LlamaBlock(torch.nn.Module):
    """Hugging Face LlamaDecoderLayer (MHA, SDPA attention), SwiGLU MLP."""

    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads, self.d = heads, hidden // heads
        self.input_layernorm = RmsNorm(hidden)
        self.q_proj = torch.nn.Linear(hidden, hidden, bias=False)
        self.k_proj = torch.nn.Linear(hidden, hidden, bias=False)
        self.v_proj = torch.nn.Linear(hidden, hidden, bias=False)
        self.o_proj = torch.nn.Linear(hidden, hidden, bias=False)
        self.post_attention_layernorm = RmsNorm(hidden)
        self.gate_proj = torch.nn.Linear(hidden, ffn, bias=False)
        self.up_proj = torch.nn.Linear(hidden, ffn, bias=False)
        self.down_proj = torch.nn.Linear(ffn, hidden, bias=False)

    def forward(self, x, cos, sin):
        b, s, h = x.shape
        y = self.input_layernorm(x)
        q, k, v = (p(y).view(b, s, self.heads, self.d).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o_proj(a.transpose(1, 2).contiguous().view(b, s, h))
        y = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(y)) * self.up_proj(y))


def block_profile(kind, hidden, heads, seq, mbs, weights):
    """One block's forward and backward, kernel by kernel. `weights`: 'fp32-autocast' or 'bf16'."""
    with torch.device("cuda"):
        block = MptBlock(hidden, heads) if kind == "mpt" else LlamaBlock(hidden, heads, 11008 * hidden // 4096)
    dtype = torch.float32 if weights == "fp32-autocast" else torch.bfloat16
    block = block.to(dtype)
    x = torch.randn(mbs, seq, hidden, device="cuda", dtype=dtype, requires_grad=True)
    grad = torch.randn_like(x)
    extra = ()
    if kind == "llama":
        pos = torch.arange(seq, device="cuda", dtype=torch.float32)
        inv = 1.0 / (10000 ** (torch.arange(0, hidden // heads, 2, device="cuda", dtype=torch.float32) / (hidden // heads)))
        emb = torch.cat((torch.outer(pos, inv),) * 2, dim=-1)
        extra = (emb.cos().to(torch.bfloat16 if weights == "bf16" else torch.float32), emb.sin().to(torch.bfloat16 if weights == "bf16" else torch.float32))

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=weights != "bf16"):
            y = block(x, *extra)
        y.backward(grad)
        block.zero_grad(set_to_none=True)
        x.grad = None

    out = kernel_profile(step, steps=3)
    out["shape"] = {"kind": kind, "hidden": hidden, "heads": heads, "seq": seq, "mbs": mbs, "weights": weights}
    del block, x, grad
    torch.cuda.empty_cache()
    return out


SECTIONS = [
    ("gemmLayerShapesInterleavedBf16Tflops", lambda: {
        f"h{h}.t{t}.{name}": {"mnk": [m, n, k], "tflops": interleaved_gemm_tflops(m, n, k)}
        for (t, h) in ((12288, 2048), (4096, 2048), (12288, 4096), (8192, 4096), (4096, 8192))
        for name, (m, n, k) in layer_gemms(t, h).items()
    }),
    ("block:mpt-7b.mbs6.fp32-autocast", lambda: block_profile("mpt", 4096, 32, 2048, 6, "fp32-autocast")),
    ("block:mpt-7b.mbs6.bf16", lambda: block_profile("mpt", 4096, 32, 2048, 6, "bf16")),
    ("block:llama-7b.mbs2.seq4096.fp32-autocast", lambda: block_profile("llama", 4096, 32, 4096, 2, "fp32-autocast")),
    ("block:llama-7b.mbs2.seq4096.bf16", lambda: block_profile("llama", 4096, 32, 4096, 2, "bf16")),
    ("block:mpt-1b.mbs12.fp32-autocast", lambda: block_profile("mpt", 2048, 16, 2048, 12, "fp32-autocast")),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    result = new_result(environment=environment())
    for key, fn in SECTIONS:
        run_section(result, key, fn, args.out)
        print(f"[{time.strftime('%H:%M:%S')}] {key}: {result['sectionSeconds'][key]} s {result['errors'].get(key, '')}", flush=True)

if __name__ == "__main__":
    main()
