"""Why qpth failed in layer_bench.py with more than one torch thread, independent of qpth and of the QP data:
torch's batched CPU `linalg.lu_factor` on a batch of random, well-conditioned matrices. For each thread
count it reports the elements whose pivots are out of range and max |P L U − X| (batched), and the two
thread-safe alternatives: the whole batch on one thread (what layer_bench.py gives qpth; the fix proposed
in pytorch/pytorch#181570) and a Python loop over the elements (MKL's own threads inside each dgetrf).

    python python/benchmarks/lu_thread_check.py [--batch 128] [--n 500]

With torch 2.13.0+cpu (MKL 2024.2) and 2 threads, half of the batch comes back corrupted and MKL prints
"Parameter 6 was incorrect on entry to DLASWP" (pytorch/pytorch#142815).
"""
import argparse
import time

import numpy as np
import torch


def reconstruction_error(X, LU, pivots):
    n = X.shape[-1]
    P, L, U = torch.lu_unpack(LU, pivots.clamp(1, n))
    return (P @ L @ U - X).abs().max().item()


def timed(f):
    t = time.perf_counter()
    result = f()
    return time.perf_counter() - t, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    n = args.n
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.standard_normal((args.batch, n, n)) + np.sqrt(n) * np.eye(n))
    print(f"torch {torch.__version__}, batch {args.batch} of order {n}")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        seconds, (LU, pivots) = timed(lambda: torch.linalg.lu_factor(X))
        bad = int(((pivots < 1) | (pivots > n)).any(1).sum())
        print(f"threads {threads}: batched lu_factor {seconds:.2f} s, elements with invalid pivots {bad}, "
              f"max |PLU − X| {reconstruction_error(X, LU, pivots):.1e}", flush=True)
        seconds, parts = timed(lambda: [torch.linalg.lu_factor(x) for x in X])
        LU, pivots = torch.stack([a for a, _ in parts]), torch.stack([p for _, p in parts])
        print(f"threads {threads}: loop over the elements {seconds:.2f} s, "
              f"max |PLU − X| {reconstruction_error(X, LU, pivots):.1e}", flush=True)


if __name__ == "__main__":
    main()
