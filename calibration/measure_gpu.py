"""Measure the GPU efficiency figures clustertwin's GPU presets use.

One prepared script, one call on a machine with an NVIDIA GPU and PyTorch:

    python3 calibration/measure_gpu.py --out "$OUT/gpu-efficiency.json"

It measures, with CUDA events and warm-up, under the same conditions as the
published figures in docs/sources/gpu-efficiency.md:
  - dense GEMM TFLOP/s (bf16, and fp8 where torch._scaled_mm exists) over
    square sizes 1024..16384 and the GEMM shapes of transformer layers;
  - the reduction-dimension sweep at M = N = 8192 (for gemmHalfRateK);
  - fused attention (torch SDPA, flash backend) forward and backward TFLOP/s,
    causal, head dim 128, counting FLOPs as FlashAttention does;
  - HBM copy bandwidth (for hbmBandwidthFraction);
  - the time of a back-to-back empty-ish kernel (for kernelOverheadMicroseconds);
  - elementwise (add) bandwidth at the tensor sizes of a layer's norms and residuals (16-256 MB);
  - one eager-PyTorch GPT layer, forward and backward, at the shapes of the validation runs the twin
    predicts too fast on H100 (Megatron-Core 1.7B, MosaicML 1B and 7B): `npx tsx calibration/compare.ts
    FILE` prints the twin's time for the same layers beside them;
  - SM clock and power under 15 s of sustained GEMMs, against the clock the peak is quoted at.
The output is a JSON object whose fields map onto a GPU preset's `efficiency` block.
"""
import argparse
import json
import subprocess
import threading
import time

import torch


def timed(fn, iters=20, warmup=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1e3 / iters


def gemm_tflops(m, n, k, dtype):
    a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, k, device="cuda", dtype=torch.bfloat16)
    if dtype == "fp8":
        a8 = a.to(torch.float8_e4m3fn)
        b8 = b.to(torch.float8_e4m3fn)
        one = torch.tensor(1.0, device="cuda")
        fn = lambda: torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
    else:
        fn = lambda: a @ b.t()
    return 2 * m * n * k / timed(fn) / 1e12


def attention_tflops(batch, heads, seq, head_dim=128):
    q, k, v = (torch.randn(batch, heads, seq, head_dim, device="cuda", dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
    from torch.nn.attention import SDPBackend, sdpa_kernel

    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        fwd = lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        t_fwd = timed(fwd)
        out = fwd()
        grad = torch.randn_like(out)
        t_bwd = timed(lambda: torch.autograd.grad(fwd(), (q, k, v), grad)) - t_fwd
    flops = 0.5 * 4 * batch * heads * seq * seq * head_dim  # causal halves the work
    return flops / t_fwd / 1e12, 2.5 * flops / t_bwd / 1e12


def copy_bandwidth(gib=4):
    n = gib * 2**30 // 2
    x = torch.empty(n, device="cuda", dtype=torch.bfloat16)
    y = torch.empty_like(x)
    return 2 * x.numel() * 2 / timed(lambda: y.copy_(x)) / 1e9


def launch_overhead_us():
    x = torch.zeros(1, device="cuda")
    return timed(lambda: x.add_(1), iters=2000, warmup=100) * 1e6


def add_bandwidth_gbps(megabytes):
    n = megabytes * 2**20 // 2
    x = torch.randn(n, device="cuda", dtype=torch.bfloat16)
    y = torch.randn_like(x)
    out = torch.empty_like(x)
    return 3 * x.numel() * 2 / timed(lambda: torch.add(x, y, out=out), iters=50) / 1e9


class GptLayer(torch.nn.Module):
    """A pre-LayerNorm GPT layer as eager PyTorch runs it: unfused norms, GELU and residual adds."""

    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(hidden)
        self.qkv = torch.nn.Linear(hidden, 3 * hidden)
        self.proj = torch.nn.Linear(hidden, hidden)
        self.ln2 = torch.nn.LayerNorm(hidden)
        self.fc1 = torch.nn.Linear(hidden, 4 * hidden)
        self.fc2 = torch.nn.Linear(4 * hidden, hidden)

    def forward(self, x):
        b, s, h = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(b, s, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        a = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.transpose(1, 2).reshape(b, s, h))
        return x + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(x))))


def layer_seconds(hidden, heads, seq, mbs):
    """Forward plus backward of one layer, bf16 weights and activations, seconds."""
    layer = GptLayer(hidden, heads).cuda().to(torch.bfloat16)
    x = torch.randn(mbs, seq, hidden, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    grad = torch.randn_like(x)

    def step():
        layer(x).backward(grad)

    return timed(step, iters=10, warmup=3)


def sustained_gemm(seconds=15.0, n=8192):
    """TFLOP/s, SM clock and power while bf16 GEMMs run back to back for `seconds`."""
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    samples, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            try:
                line = subprocess.run(
                    ["nvidia-smi", "--query-gpu=clocks.sm,power.draw", "--format=csv,noheader,nounits", "-i", "0"],
                    capture_output=True, text=True, timeout=5,
                ).stdout.strip().splitlines()[0]
                mhz, watts = (float(v) for v in line.split(","))
                samples.append((mhz, watts))
            except Exception:
                pass
            time.sleep(0.5)

    t = threading.Thread(target=poll)
    t.start()
    start, count = time.time(), 0
    torch.cuda.synchronize()
    while time.time() - start < seconds:
        for _ in range(20):
            a @ b
        torch.cuda.synchronize()
        count += 20
    elapsed = time.time() - start
    stop.set()
    t.join()
    mid = lambda xs: sorted(xs)[len(xs) // 2] if xs else None
    return {
        "tflops": 2 * n**3 * count / elapsed / 1e12,
        "smClockMHzMedian": mid([s[0] for s in samples]),
        "powerWattsMedian": mid([s[1] for s in samples]),
        "samples": len(samples),
    }


# Layers of the validation runs the twin predicts too fast on H100 (hidden, heads, seq, micro-batch).
LAYER_SHAPES = {
    "megatron-core-1.7b": (2048, 16, 4096, 1),
    "mosaicml-1b": (2048, 16, 2048, 12),
    "mosaicml-7b": (4096, 32, 2048, 6),
    "gpt-13b-seq2048-mbs2": (5120, 40, 2048, 2),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    props = torch.cuda.get_device_properties(0)
    result = {
        "device": props.name,
        "smCount": props.multi_processor_count,
        "memoryBytes": props.total_memory,
        "torch": torch.__version__,
        "measuredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "gemmSquareBf16Tflops": {n: gemm_tflops(n, n, n, "bf16") for n in (1024, 2048, 4096, 8192, 16384)},
        "gemmKSweepBf16Tflops": {k: gemm_tflops(8192, 8192, k, "bf16") for k in (256, 512, 1024, 2048, 4096, 8192, 16384)},
        # Llama 3 70B layer GEMMs at TP 8, 8192 tokens: QKV, projection, FC1 (gate+up), FC2.
        "gemmTransformerBf16Tflops": {f"{m}x{n}x{k}": gemm_tflops(m, n, k, "bf16") for (m, n, k) in ((8192, 1280, 8192), (8192, 8192, 1024), (8192, 7168, 8192), (8192, 8192, 3584))},
        "hbmCopyGBps": copy_bandwidth(),
        "addBandwidthGBps": {mb: add_bandwidth_gbps(mb) for mb in (16, 64, 256)},
        "layerForwardBackwardSeconds": {name: {"shape": dict(zip(("hidden", "heads", "seq", "mbs"), sh)), "seconds": layer_seconds(*sh)} for name, sh in LAYER_SHAPES.items()},
        "kernelOverheadMicroseconds": launch_overhead_us(),
    }
    if hasattr(torch, "_scaled_mm") and props.major >= 9:
        result["gemmSquareFp8Tflops"] = {n: gemm_tflops(n, n, n, "fp8") for n in (2048, 4096, 8192, 16384)}
    fwd, bwd = attention_tflops(4, 16, 8192)
    result["flashAttentionForwardTflops"] = fwd
    result["flashAttentionBackwardTflops"] = bwd
    result["sustainedGemmBf16"] = sustained_gemm()
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
