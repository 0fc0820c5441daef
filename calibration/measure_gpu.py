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
        fn = lambda: torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)  # a tuple before PyTorch 2.4
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
    return timed(_layer_step(hidden, heads, seq, mbs), iters=10, warmup=3)


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


def kernel_profile(fn, steps=2):
    """GPU time per kernel name over `steps` calls of fn (after one warm call), and the CUDA-event span.

    The span minus the kernels' summed time is time the GPU sat idle waiting for the host (eager launch
    overhead, Python, allocator), which a kernel-by-kernel model does not see."""
    from torch.profiler import ProfilerActivity, profile

    fn()
    torch.cuda.synchronize()
    span = timed(fn, iters=steps, warmup=0)
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(steps):
            fn()
        torch.cuda.synchronize()
    kernels = []
    for e in prof.key_averages():
        us = getattr(e, "device_time_total", None)
        if us is None:
            us = getattr(e, "cuda_time_total", 0)
        if us and getattr(e, "device_type", None) is not None and "CUDA" not in str(e.device_type):
            continue
        if us:
            kernels.append({"name": e.key[:160], "count": e.count // steps, "microseconds": us / steps})
    kernels.sort(key=lambda k: -k["microseconds"])
    return {"spanSeconds": span, "kernelSeconds": sum(k["microseconds"] for k in kernels) / 1e6, "kernels": kernels[:80]}


class GptModel(torch.nn.Module):
    """Embedding, GPT layers, final LayerNorm and the output layer, as MPT (llm-foundry) builds them (tied to
    the embedding), or untied as Megatron-Core's GPT does by default."""

    def __init__(self, layers, hidden, heads, vocab, checkpoint, tied=True):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, hidden)
        self.layers = torch.nn.ModuleList(GptLayer(hidden, heads) for _ in range(layers))
        self.ln = torch.nn.LayerNorm(hidden)
        self.out = None if tied else torch.nn.Linear(hidden, vocab, bias=False)
        self.checkpoint = checkpoint

    def forward(self, tokens):
        x = self.emb(tokens)
        for layer in self.layers:
            if self.checkpoint:
                x = torch.utils.checkpoint.checkpoint(layer, x, use_reentrant=False)
            else:
                x = layer(x)
        return torch.nn.functional.linear(self.ln(x), self.emb.weight if self.out is None else self.out.weight)


def training_step(layers, hidden, heads, seq, mbs, vocab, weights, checkpoint=False, tied=True, optimizer=True):
    """One training step on one GPU, as a function, and its model and optimizer (for the caller to free):
    forward, loss, backward and, unless `optimizer` is False, PyTorch's foreach AdamW. `weights` =
    'fp32-autocast' (fp32 parameters, bf16 autocast: Composer's DEFAULT of mid-2023) or 'bf16'."""
    with torch.device("cuda"):  # built on the GPU: initialising 1B parameters on the host would take longer than the step
        model = GptModel(layers, hidden, heads, vocab, checkpoint, tied)
    if weights == "bf16":
        model = model.to(torch.bfloat16)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=True) if optimizer else None
    tokens = torch.randint(0, vocab, (mbs, seq), device="cuda")

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=weights != "bf16"):
            logits = model(tokens)
            loss = torch.nn.functional.cross_entropy(logits.view(-1, vocab).float(), tokens.view(-1))
        loss.backward()
        if opt is not None:
            opt.step()
        model.zero_grad(set_to_none=True)

    return step, model, opt


def model_step(layers, hidden, heads, seq, mbs, weights, checkpoint, vocab=50368):
    """One training step on one GPU (training_step), timed, profiled, and its peak memory."""
    step, model, opt = training_step(layers, hidden, heads, seq, mbs, vocab, weights, checkpoint)
    try:
        seconds = timed(step, iters=4, warmup=2)
        profile_ = kernel_profile(step, steps=1)
        peak = torch.cuda.max_memory_allocated()
    finally:
        del step, model, opt
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    return {
        "shape": {"layers": layers, "hidden": hidden, "heads": heads, "seq": seq, "mbs": mbs, "vocab": vocab},
        "weights": weights, "checkpoint": checkpoint, "seconds": seconds, "peakAllocatedBytes": peak, "profile": profile_,
    }


def te_layer(hidden, heads, seq, mbs, fp8):
    """Transformer Engine's TransformerLayer forward+backward (bf16 or FP8 delayed scaling), if TE is installed."""
    import transformer_engine.pytorch as te
    from transformer_engine.common.recipe import DelayedScaling, Format

    layer = te.TransformerLayer(hidden, 4 * hidden, heads, hidden_dropout=0.0, attention_dropout=0.0,
                                self_attn_mask_type="causal", params_dtype=torch.bfloat16).cuda()
    x = torch.randn(seq, mbs, hidden, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    grad = torch.randn_like(x)
    recipe = DelayedScaling(fp8_format=Format.HYBRID, amax_history_len=16, amax_compute_algo="max")

    def step():
        with te.fp8_autocast(enabled=fp8, fp8_recipe=recipe):
            y = layer(x)
        y.backward(grad)

    return {"seconds": timed(step, iters=10, warmup=3), "profile": kernel_profile(step, steps=2)}


def environment():
    env = {"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version()}
    for mod in ("transformer_engine", "flash_attn", "apex", "triton"):
        try:
            env[mod] = getattr(__import__(mod), "__version__", "present")
        except Exception as err:  # noqa: BLE001 - absence is the answer
            env[mod] = None
    try:
        env["nvidiaSmi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm,clocks.applications.graphics,clocks.max.memory,power.limit,power.max_limit,temperature.gpu",
             "--format=csv", "-i", "0"], capture_output=True, text=True, timeout=10).stdout
    except Exception as err:  # noqa: BLE001
        env["nvidiaSmi"] = repr(err)
    return env


# Layers of the validation runs the twin predicts too fast on H100 (hidden, heads, seq, micro-batch).
LAYER_SHAPES = {
    "megatron-core-1.7b": (2048, 16, 4096, 1),
    "mosaicml-1b": (2048, 16, 2048, 12),
    "mosaicml-7b": (4096, 32, 2048, 6),
    "gpt-13b-seq2048-mbs2": (5120, 40, 2048, 2),
}

# Whole training steps on one GPU: MPT-1B's shape (24 layers) and four layers of MPT-7B's shape, with and
# without activation checkpointing, fp32 weights under autocast (Composer) and pure bf16 weights.
MODEL_STEPS = [
    ("mpt-1b.mbs6.fp32-autocast", (24, 2048, 16, 2048, 6, "fp32-autocast", False)),
    ("mpt-1b.mbs6.fp32-autocast.ckpt", (24, 2048, 16, 2048, 6, "fp32-autocast", True)),
    ("mpt-1b.mbs6.bf16", (24, 2048, 16, 2048, 6, "bf16", False)),
    ("mpt-7b-4layers.mbs6.fp32-autocast", (4, 4096, 32, 2048, 6, "fp32-autocast", False)),
    ("mpt-7b-4layers.mbs6.fp32-autocast.ckpt", (4, 4096, 32, 2048, 6, "fp32-autocast", True)),
]

# GEMMs of those layers in the three passes: forward (tokens x out x in), data gradient, weight gradient.
def layer_gemms(tokens, hidden):
    shapes = {}
    for name, (out_, in_) in {"qkv": (3 * hidden, hidden), "proj": (hidden, hidden), "fc1": (4 * hidden, hidden), "fc2": (hidden, 4 * hidden)}.items():
        shapes[f"{name}.fwd"] = (tokens, out_, in_)
        shapes[f"{name}.dgrad"] = (tokens, in_, out_)
        shapes[f"{name}.wgrad"] = (out_, in_, tokens)
    return shapes


def new_result(**more):
    """The head every calibration result starts with: the device, the software, when, and room for errors."""
    props = torch.cuda.get_device_properties(0)
    return {"device": props.name, **more, "torch": torch.__version__, "measuredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "errors": {}, "sectionSeconds": {}}


def save_result(result, path):
    with open(path, "w") as f:
        json.dump(result, f, indent=1)


def run_section(result, key, fn, path):
    """One measurement on its own: one failing (an OOM, an API a PyTorch version lacks) loses only itself,
    recorded under `errors`, and the file on disk is complete after every section, so a run cut short by
    its time limit keeps what it measured. Shared by the calibration scripts."""
    t0 = time.time()
    try:
        result[key] = fn()
    except Exception as err:  # noqa: BLE001 - recorded in the output, the run goes on
        result["errors"][key] = f"{type(err).__name__}: {err}"[:500]
        torch.cuda.empty_cache()
    result["sectionSeconds"][key] = round(time.time() - t0, 2)
    save_result(result, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--skip", default="", help="comma-separated sections to skip")
    args = p.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    props = torch.cuda.get_device_properties(0)
    result = new_result(smCount=props.multi_processor_count, memoryBytes=props.total_memory)

    def section(key, fn):
        if key not in skip:
            run_section(result, key, fn, args.out)
            print(f"[{time.strftime('%H:%M:%S')}] {key}: {result['sectionSeconds'][key]} s", flush=True)

    section("environment", environment)
    section("gemmSquareBf16Tflops", lambda: {n: gemm_tflops(n, n, n, "bf16") for n in (1024, 2048, 4096, 8192, 16384)})
    section("gemmKSweepBf16Tflops", lambda: {k: gemm_tflops(8192, 8192, k, "bf16") for k in (256, 512, 1024, 2048, 4096, 8192, 16384)})
    # Llama 3 70B layer GEMMs at TP 8, 8192 tokens: QKV, projection, FC1 (gate+up), FC2.
    section("gemmTransformerBf16Tflops", lambda: {f"{m}x{n}x{k}": gemm_tflops(m, n, k, "bf16") for (m, n, k) in ((8192, 1280, 8192), (8192, 8192, 1024), (8192, 7168, 8192), (8192, 8192, 3584))})
    section("gemmLayerShapesBf16Tflops", lambda: {
        f"h{h}.t{t}.{name}": {"mnk": [m, n, k], "tflops": gemm_tflops(m, n, k, "bf16")}
        for (t, h) in ((12288, 2048), (4096, 2048), (12288, 4096), (8192, 4096))
        for name, (m, n, k) in layer_gemms(t, h).items()
    })
    section("hbmCopyGBps", copy_bandwidth)
    section("addBandwidthGBps", lambda: {mb: add_bandwidth_gbps(mb) for mb in (16, 64, 256)})
    section("kernelOverheadMicroseconds", launch_overhead_us)
    if hasattr(torch, "_scaled_mm") and props.major >= 9:
        section("gemmSquareFp8Tflops", lambda: {n: gemm_tflops(n, n, n, "fp8") for n in (2048, 4096, 8192, 16384)})
    # derive-efficiency.ts mirrors this shape (ATTENTION_FORWARD_TFLOP) and the copy's 4 GiB (COPY_GB).
    section("flashAttention", lambda: dict(zip(("forwardTflops", "backwardTflops"), attention_tflops(4, 16, 8192))))
    section("layerForwardBackwardSeconds", lambda: {name: {"shape": dict(zip(("hidden", "heads", "seq", "mbs"), sh)), "seconds": layer_seconds(*sh)} for name, sh in LAYER_SHAPES.items()})
    section("layerProfiles", lambda: {name: kernel_profile(_layer_step(*sh)) for name, sh in LAYER_SHAPES.items() if name in ("mosaicml-1b", "mosaicml-7b")})
    for name, spec in MODEL_STEPS:
        section(f"modelStep:{name}", lambda spec=spec: model_step(*spec))
    if result.get("environment", {}).get("transformer_engine"):
        for name, (h, a, s, b) in (("gpt3-5b", (4096, 32, 2048, 4)), ("mcore-1.7b", (2048, 16, 4096, 1))):
            section(f"teLayer:{name}:bf16", lambda h=h, a=a, s=s, b=b: te_layer(h, a, s, b, False))
            section(f"teLayer:{name}:fp8", lambda h=h, a=a, s=s, b=b: te_layer(h, a, s, b, True))
    section("sustainedGemmBf16", sustained_gemm)
    # Flat fields compare.ts reads.
    if "flashAttention" in result:
        result["flashAttentionForwardTflops"] = result["flashAttention"]["forwardTflops"]
        result["flashAttentionBackwardTflops"] = result["flashAttention"]["backwardTflops"]
    save_result(result, args.out)
    print(json.dumps({k: v for k, v in result.items() if not k.startswith(("modelStep", "layerProfiles", "teLayer"))}, indent=2))


def _layer_step(hidden, heads, seq, mbs):
    layer = GptLayer(hidden, heads).cuda().to(torch.bfloat16)
    x = torch.randn(mbs, seq, hidden, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    grad = torch.randn_like(x)
    return lambda: layer(x).backward(grad)


if __name__ == "__main__":
    main()
