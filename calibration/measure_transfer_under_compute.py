#!/usr/bin/env python3
"""How much does a transfer slow when compute runs beside it, on one GPU?

The twin's `overlapInterference: both-ways` (src/schedule/overlap-interference.ts,
docs/sources/tp-overlap.md) says an overlapped transfer waits out the HBM time of the compute beside
it in proportion to its own memory share d (its HBM bytes over the achieved HBM bandwidth, against its
time): it moves at 1 / (1 + d u) of its pace while compute of memory share u runs beside it. NVIDIA/nccl
#1433 saw send/recv up to 2x slower beside a GEMM that left SMs free. This script measures the same
thing on one GPU, with no peer needed:

- transfers: a pinned host-to-device copy and a device-to-host copy (copy engines, HBM written or read
  once per byte; PCIe sets their pace, so d is small), and a device-to-device copy of the same tensor
  (HBM read and written: d near 1 if it runs at HBM pace);
- compute beside them on another stream: an 8192^3 bf16 GEMM (compute-bound, u about 0.1), a GEMM of a
  ring-exchange chunk's shape (m 512, n 6144, k 12288: GPT-3 175B's FC1 at TP 8, u about 0.5), and an
  elementwise add over 1 GiB (memory-bound, u near 1);
- for each pair: the transfer alone, the compute alone, and both at once (the transfer's time from
  events on its own stream, the compute looped to cover it), five repetitions, medians.

Nothing here is fitted: the results are to check the model's rule (the predicted slowdown from d and u
against the measured), and go to calibration/results/ with their provenance.

Run once on a lent machine (about a minute):

    python3 calibration/measure_transfer_under_compute.py --out "$OUT/transfer-under-compute.json"
"""
import argparse
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure_gpu import environment, new_result, run_section  # noqa: E402

REPS = 5


def timed(stream, fn):
    """Seconds of fn() on `stream`, by events recorded on that stream."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    with torch.cuda.stream(stream):
        start.record(stream)
        fn()
        end.record(stream)
    return start, end


def transfers(gib):
    n = int(gib * (1 << 30)) // 2
    host = torch.empty(n, dtype=torch.bfloat16, pin_memory=True)
    dev = torch.empty(n, dtype=torch.bfloat16, device="cuda")
    dev2 = torch.empty_like(dev)
    return {
        "h2d-pinned": (lambda: dev.copy_(host, non_blocking=True), 2 * n),
        "d2h-pinned": (lambda: host.copy_(dev, non_blocking=True), 2 * n),
        "d2d": (lambda: dev2.copy_(dev), 2 * n),
    }


def computes():
    def gemm(m, n, k):
        a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
        b = torch.randn(k, n, device="cuda", dtype=torch.bfloat16)
        return lambda: torch.matmul(a, b), 2 * (m * k + k * n + m * n)

    x = torch.randn((1 << 30) // 2, device="cuda", dtype=torch.bfloat16)
    y = torch.empty_like(x)
    return {
        "gemm-8192": gemm(8192, 8192, 8192),
        "gemm-ring-chunk": gemm(512, 6144, 12288),
        "add-1gib": (lambda: torch.add(x, 1.0, out=y), 2 * x.numel() * 2),
    }


def measure(gib):
    comm_stream, compute_stream = torch.cuda.Stream(), torch.cuda.Stream()
    ts, cs = transfers(gib), computes()
    out = {}
    for cname, (cfn, cbytes) in cs.items():
        for _ in range(3):
            cfn()
        torch.cuda.synchronize()
        alone_c = []
        for _ in range(REPS):
            s, e = timed(compute_stream, cfn)
            torch.cuda.synchronize()
            alone_c.append(s.elapsed_time(e) / 1e3)
        out.setdefault("compute", {})[cname] = {"seconds": statistics.median(alone_c), "hbmBytes": cbytes}
    for tname, (tfn, tbytes) in ts.items():
        tfn()
        torch.cuda.synchronize()
        alone = []
        for _ in range(REPS):
            s, e = timed(comm_stream, tfn)
            torch.cuda.synchronize()
            alone.append(s.elapsed_time(e) / 1e3)
        t_alone = statistics.median(alone)
        row = {"aloneSeconds": t_alone, "bytes": tbytes, "beside": {}}
        for cname, (cfn, _) in cs.items():
            c_alone = out["compute"][cname]["seconds"]
            loops = max(1, int(3 * t_alone / max(c_alone, 1e-6)) + 1)
            both, compute_both = [], []
            for _ in range(REPS):
                torch.cuda.synchronize()
                # Compute first, so it is running when the transfer starts and outlasts it.
                cs_, ce_ = timed(compute_stream, lambda: [cfn() for _ in range(loops)])
                ts_, te_ = timed(comm_stream, tfn)
                torch.cuda.synchronize()
                both.append(ts_.elapsed_time(te_) / 1e3)
                compute_both.append(cs_.elapsed_time(ce_) / 1e3 / loops)
            row["beside"][cname] = {
                "seconds": statistics.median(both),
                "slowdown": statistics.median(both) / t_alone,
                "computeSecondsPerCall": statistics.median(compute_both),
                "computeLoops": loops,
            }
        out.setdefault("transfer", {})[tname] = row
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--gib", type=float, default=1.0, help="size of each transfer, GiB")
    args = ap.parse_args()
    result = new_result(script="measure_transfer_under_compute.py", environment=environment())
    run_section(result, "transferUnderCompute", lambda: measure(args.gib), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
