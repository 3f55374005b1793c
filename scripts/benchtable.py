#!/usr/bin/env python3
"""Print the README's nearest-centroid table from one run on this machine.

Runs, in this order and in one go: the FMA peak from limits.sh, the peers
(faiss, torch, scikit-learn) with one thread, BenchmarkNearest on one core
for every assembly kernel, and limits.sh again. vecfit figures are
medians over -count runs; the peers take medians of their own. Needs the peers installed
(../shared/peers/setup.sh) and the peers directory as the first argument.

    scripts/benchtable.py ../shared/peers [count]
"""
import os, re, statistics, subprocess, sys
from collections import defaultdict

peers = sys.argv[1]
count = sys.argv[2] if len(sys.argv) > 2 else "5"


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def limits():
    """Returns the FMA peaks that limits.sh prints: the AVX2 (YMM) one, and
    the AVX-512 (ZMM) one where the CPU has AVX-512, else the YMM one."""
    out = run(["sh", os.path.join(peers, "limits.sh")])
    peaks = {m.group(1): float(m.group(2))
             for m in re.finditer(r"fma peak, \w+ (ymm|zmm):\s*([\d.]+) GFMA", out)}
    peaks.setdefault("zmm", peaks["ymm"])
    return peaks


# Each kernel is measured against the peak of its own vector width: on a
# core with full-width 512-bit FMA units the ZMM peak is twice the YMM one.
# limits.sh runs before and after the benchmarks, and the higher figure of
# each counts, because its short run can catch the core at a lower clock.
peaks = limits()


def peak_of(kernel):
    return peaks["zmm"] if kernel == "avx512" else peaks["ymm"]


peer_out = run([os.path.join(peers, "nearest.py")], env={**os.environ, "T": "1"})
peer = defaultdict(dict)
columns = {"faiss IndexFlatL2": "faiss", "torch cdist": "torch",
           "sklearn pairwise_distances_argmin_min": "sklearn"}
for line in peer_out.splitlines():
    m = re.match(r"(\w+)\s+n=\S+ d=\S+ k=\S+\s+(\w+ \w+).*?([\d.]+) GFMA/s", line)
    if m and m.group(2) in columns:
        peer[m.group(1)][columns[m.group(2)]] = float(m.group(3))

bench = run(["go", "test", "-run", "^$", "-bench", "^BenchmarkNearest$/shape=/kernel=[^g]",
             "-cpu", "1", "-count", count, "."])
ours = defaultdict(list)
for line in bench.splitlines():
    m = re.match(r"BenchmarkNearest/shape=(\w+)/kernel=(\w+)(/type=float64)?\s.*?([\d.]+) GFMA/s", line)
    if m and not m.group(3):
        ours[(m.group(1), m.group(2))].append(float(m.group(4)))

peaks = {w: max(p, peaks[w]) for w, p in limits().items()}

kernels = sorted({k for _, k in ours}, key=lambda k: -max(
    statistics.median(v) for (s, kk), v in ours.items() if kk == k))
shapes = ["seed", "geo", "small", "sift", "bert"]
head = ["shape"] + [f"vecfit {k} GFMA/s (% peak)" for k in kernels] + \
    ["faiss", "torch", "scikit-learn", f"{kernels[0]} / faiss"]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
for s in shapes:
    row = [s]
    for k in kernels:
        g = statistics.median(ours[(s, k)])
        row.append(f"{g:.1f} ({100 * g / peak_of(k):.0f}%)")
    p = peer[s]
    row += [f"{p.get('faiss', 0):.2f}", f"{p.get('torch', 0):.2f}", f"{p.get('sklearn', 0):.2f}"]
    row.append(f"{statistics.median(ours[(s, kernels[0])]) / p['faiss']:.2f}×")
    print("| " + " | ".join(row) + " |")
print(f"\nFMA peak of one core (limits.sh, the higher of a run before and one after): "
      f"{peaks['zmm']:.1f} GFMA/s with ZMM (avx512), "
      f"{peaks['ymm']:.1f} with YMM (avx2); "
      f"vecfit: median of {count} runs, -cpu 1; peers: T=1.")
