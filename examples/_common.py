"""Shared helpers of the examples: argument parsing, timing, progress lines, plot saving."""
import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def arguments(description: str, default_out: str):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="small sizes and few steps (the smoke test)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), default_out),
                   help="where to save the PNG plot")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


class Progress:
    def __init__(self, name: str):
        self.name, self.start = name, time.perf_counter()

    def __call__(self, message: str):
        print(f"[{self.name} {time.perf_counter() - self.start:6.1f}s] {message}", flush=True)


def save(fig, path: str, progress: Progress):
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    progress(f"saved {path}")
