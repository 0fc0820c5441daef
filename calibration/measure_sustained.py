#!/usr/bin/env python3
"""Does a GPU keep its short-run speed when it runs for minutes, as a training job does?

measure_gpu.py times kernels and steps over well under a second each. Its first run on an H100
(results/h100-sxm-80g-2026-11-28.json) found two things that disagree: bf16 GEMMs run back to back
for 15 s settle at 668 TFLOP/s with the SM clock at 1350 MHz and the board at its 700 W cap, while
the same class of GEMMs inside a short training step ran at about 840 TFLOP/s (GEMMs interleaved
with memory-bound kernels leave the board under its cap, so the clock stays up). A job runs for
weeks, so the rate that matters is the one the board settles at under the job's own mix of kernels.
This script runs each workload for tens of seconds and records, window by window, its rate, the SM
clock and the power, and profiles a step once the board is hot:

- 8192^3 bf16 GEMMs, random N(0,1) operands (a power worst case) and operands at training
  magnitudes (weights N(0, 0.02), activations N(0, 1)): how much the data moves the power;
- MPT-1B's training step (24 layers, fp32 weights under autocast, foreach AdamW), as llm-foundry ran;
- a 1.7B GPT (Megatron-Core's shape: 24 layers, hidden 2048, seq 4096, vocabulary 131,072, untied,
  bf16), forward and backward without the optimizer (the distributed optimizer shards it 48 ways);
- four layers of MPT-7B's shape (fp32 weights under autocast);
- added after its first run: 8192^3 FP8 GEMMs; a GPT layer's twelve GEMMs back to back in bf16 and in
  FP8 (with an amax-and-cast before each, as Transformer Engine's recipe does); and a duty sweep, an
  8192^3 GEMM alternating with copies of growing size, for the clock and the GEMM rate against the
  share of time the tensor cores work.

Run once on a lent machine (about three and a half minutes; `--only a,b` picks workloads):

    python3 calibration/measure_sustained.py --out "$OUT/gpu-sustained.json"
"""
import argparse
import os
import subprocess
import sys
import threading
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure_gpu import environment, kernel_profile, new_result, run_section, save_result, training_step  # noqa: E402


class Sampler:
    """nvidia-smi's SM clock, power and temperature every 0.25 s while a workload runs."""

    def __init__(self):
        self.samples, self._stop = [], threading.Event()
        self._thread = threading.Thread(target=self._poll)

    def _poll(self):
        t0 = time.time()
        while not self._stop.is_set():
            try:
                line = subprocess.run(
                    ["nvidia-smi", "--query-gpu=clocks.sm,power.draw,temperature.gpu", "--format=csv,noheader,nounits", "-i", "0"],
                    capture_output=True, text=True, timeout=5,
                ).stdout.strip().splitlines()[0]
                mhz, watts, temp = (float(v) for v in line.split(","))
                self.samples.append({"t": round(time.time() - t0, 2), "smMHz": mhz, "watts": watts, "tempC": temp})
            except Exception:  # noqa: BLE001 - a missed sample is only a gap in the series
                pass
            time.sleep(0.25)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_windows(fn, seconds, window=1.0, flops=None):
    """Calls fn back to back for `seconds`; per window of about `window` s: calls, seconds per call
    (CUDA events), and TFLOP/s when `flops` per call is given; with the clock/power series beside."""
    windows = []
    with Sampler() as sampler:
        start = time.time()
        while time.time() - start < seconds:
            begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            w0, calls = time.time(), 0
            begin.record()
            while time.time() - w0 < window:
                fn()
                calls += 1
                if calls % 4 == 0:
                    torch.cuda.synchronize()  # keep the host within a few calls of the GPU, so windows are honest
            end.record()
            torch.cuda.synchronize()
            per_call = begin.elapsed_time(end) / 1e3 / calls
            row = {"t": round(w0 - start, 2), "calls": calls, "secondsPerCall": per_call}
            if flops:
                row["tflops"] = flops / per_call / 1e12
            windows.append(row)
    tail = windows[len(windows) // 2:]  # the second half: the board has settled
    settled = sorted(r["secondsPerCall"] for r in tail)[len(tail) // 2]
    hot = [s for s in sampler.samples if s["t"] >= seconds / 2]
    mid = lambda xs: sorted(xs)[len(xs) // 2] if xs else None
    return {
        "firstWindowSecondsPerCall": windows[0]["secondsPerCall"],
        "settledSecondsPerCall": settled,
        "settledTflops": flops / settled / 1e12 if flops else None,
        "settledSmMHz": mid([s["smMHz"] for s in hot]),
        "settledWatts": mid([s["watts"] for s in hot]),
        "settledTempC": mid([s["tempC"] for s in hot]),
        "windows": windows,
        "samples": sampler.samples,
    }


def gemm_sustained(scale_a, scale_b, seconds, n=8192):
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16) * scale_a
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16) * scale_b
    return run_windows(lambda: a @ b.t(), seconds, flops=2 * n**3)


def step_sustained(layers, hidden, heads, seq, mbs, vocab, tied, weights, optimizer, seconds):
    """A training step run back to back for `seconds`, then profiled hot. `weights`: 'fp32-autocast'
    (fp32 parameters, bf16 autocast) or 'bf16'. `optimizer`: False leaves the optimizer step out."""
    step, model, opt = training_step(layers, hidden, heads, seq, mbs, vocab, weights, tied=tied, optimizer=optimizer)
    try:
        for _ in range(2):
            step()
        torch.cuda.synchronize()
        out = run_windows(step, seconds)
        out["hotProfile"] = kernel_profile(step, steps=1)
    finally:
        del step, model, opt
        torch.cuda.empty_cache()
    out["shape"] = {"layers": layers, "hidden": hidden, "heads": heads, "seq": seq, "mbs": mbs, "vocab": vocab, "tied": tied}
    out["weights"], out["optimizer"] = weights, optimizer
    return out


def layer_gemm_shapes(hidden, tokens):
    """A GPT layer's twelve GEMMs (QKV, projection, FC1, FC2; forward, data and weight gradient) as (m, n, k)."""
    shapes = []
    for out_, in_ in ((3 * hidden, hidden), (hidden, hidden), (4 * hidden, hidden), (hidden, 4 * hidden)):
        shapes += [(tokens, out_, in_), (tokens, in_, out_), (out_, in_, tokens)]
    return shapes


def layer_gemms_sustained(hidden, tokens, precision, seconds):
    """A layer's GEMMs back to back for `seconds` (the GEMM-dense end of a fused training step), bf16 or
    FP8 (per-tensor scales, bf16 output, each input cast from bf16 with its amax first, as Transformer
    Engine's delayed-scaling recipe does once per GEMM input). Profiled hot: GEMM time apart from casts."""
    shapes = layer_gemm_shapes(hidden, tokens)
    flops = sum(2 * m * n * k for m, n, k in shapes)
    one = torch.tensor(1.0, device="cuda")
    ops = []
    for m, n, k in shapes:
        a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02
        if precision == "fp8":
            b8 = b.to(torch.float8_e4m3fn)

            def op(a=a, b8=b8):
                a8 = (a * (448.0 / a.abs().max())).to(torch.float8_e4m3fn)  # amax, scale and cast: TE's cast kernels
                return torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)

            ops.append(op)
        else:
            ops.append(lambda a=a, b=b: a @ b.t())

    def layer():
        for op in ops:
            op()

    out = run_windows(layer, seconds, flops=flops)
    out["hotProfile"] = kernel_profile(layer, steps=2)
    gemm_us = sum(k["microseconds"] for k in out["hotProfile"]["kernels"] if any(t in k["name"] for t in ("gemm", "nvjet", "xmma", "cutlass", "sm90")))
    out["gemmOnlyTflops"] = flops / (gemm_us / 1e6) / 1e12 if gemm_us else None
    out["shapes"], out["precision"] = shapes, precision
    return out


def gemm_sustained_fp8(seconds, n=8192):
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16).to(torch.float8_e4m3fn)
    b = (torch.randn(n, n, device="cuda", dtype=torch.bfloat16) * 0.02).to(torch.float8_e4m3fn)
    one = torch.tensor(1.0, device="cuda")
    return run_windows(lambda: torch._scaled_mm(a, b.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16), seconds, flops=2 * n**3)


def duty_sweep(copy_mib=(0, 256, 512, 1024, 2048, 4096), seconds=8.0, n=8192):
    """The SM clock against the share of time the tensor cores work: an 8192^3 bf16 GEMM alternating
    with a device copy of each size (memory-bound, few FLOPs), each pair run back to back until the board
    settles. Per point: the settled clock and power, and the GEMM's and the copy's own times from CUDA
    events around each kernel over the last 20 pairs, so the GEMM rate at that clock is measured."""
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16) * 0.02
    points = []
    for mib in copy_mib:
        src = torch.empty(max(mib, 1) * 2**20 // 2, device="cuda", dtype=torch.bfloat16)
        dst = torch.empty_like(src)

        def pair():
            a @ b.t()
            if mib:
                dst.copy_(src)

        settle = run_windows(pair, seconds)
        events = [[torch.cuda.Event(enable_timing=True) for _ in range(3)] for _ in range(20)]
        for e0, e1, e2 in events:
            e0.record()
            a @ b.t()
            e1.record()
            if mib:
                dst.copy_(src)
            e2.record()
        torch.cuda.synchronize()
        gemm_s = sum(e0.elapsed_time(e1) for e0, e1, _ in events) / 1e3 / len(events)
        copy_s = sum(e1.elapsed_time(e2) for _, e1, e2 in events) / 1e3 / len(events)
        points.append({
            "copyMiB": mib, "gemmSeconds": gemm_s, "copySeconds": copy_s, "gemmShare": gemm_s / (gemm_s + copy_s),
            "gemmTflops": 2 * n**3 / gemm_s / 1e12, "copyGBps": (2 * mib * 2**20 / copy_s / 1e9) if mib else None,
            "settledSmMHz": settle["settledSmMHz"], "settledWatts": settle["settledWatts"], "settledTempC": settle["settledTempC"],
        })
        del src, dst
        print(f"  duty: copy {mib} MiB: GEMM share {points[-1]['gemmShare']:.2f}, {points[-1]['gemmTflops']:.0f} TFLOP/s, "
              f"{settle['settledSmMHz']} MHz, {settle['settledWatts']} W", flush=True)
    return {"points": points}


WORKLOADS = [
    ("gemm8192.randn", lambda: gemm_sustained(1.0, 1.0, 20)),
    ("gemm8192.trainingMagnitudes", lambda: gemm_sustained(1.0, 0.02, 15)),
    ("step.mpt-1b.mbs6.fp32-autocast", lambda: step_sustained(24, 2048, 16, 2048, 6, 50368, True, "fp32-autocast", True, 25)),
    ("step.gpt-1.7b.seq4096.bf16.noopt", lambda: step_sustained(24, 2048, 16, 4096, 1, 131072, False, "bf16", False, 25)),
    ("step.mpt-7b-4layers.mbs6.fp32-autocast", lambda: step_sustained(4, 4096, 32, 2048, 6, 50368, True, "fp32-autocast", True, 20)),
    # Added after the first run of this script: FP8 under the cap, and a GEMM-dense fused layer's GEMMs.
    ("gemm8192.fp8", lambda: gemm_sustained_fp8(15)),
    ("layerGemms.gpt3-5b.bf16", lambda: layer_gemms_sustained(4096, 8192, "bf16", 15)),
    ("layerGemms.gpt3-5b.fp8", lambda: layer_gemms_sustained(4096, 8192, "fp8", 15)),
    ("dutySweep.bf16", duty_sweep),
    # Added 2026-12-03 (not yet run): the knee between GEMM shares 0.89 and 1, where the first sweep has no point
    # (docs/sources/power-clock.md sec. 1). 16-128 MiB copies put the GEMM's share at about 0.92-0.98.
    ("dutySweep.knee", lambda: duty_sweep(copy_mib=(128, 64, 32, 16))),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--only", default="", help="comma-separated workload names (default: all)")
    args = p.parse_args()
    only = set(filter(None, args.only.split(",")))
    result = new_result(environment=environment())

    for key, fn in WORKLOADS:
        if only and key not in only:
            continue
        run_section(result, key, fn, args.out)
        r = result.get(key, {})
        print(f"[{time.strftime('%H:%M:%S')}] {key}: first {r.get('firstWindowSecondsPerCall')} settled {r.get('settledSecondsPerCall')} "
              f"TFLOP/s {r.get('settledTflops')} {r.get('settledSmMHz')} MHz {r.get('settledWatts')} W {result['errors'].get(key, '')}", flush=True)
    save_result(result, args.out)

if __name__ == "__main__":
    main()
