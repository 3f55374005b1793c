#!/usr/bin/env python3
"""Print the README's two ridge tables from one run on this machine.

Runs limits.sh (FMA peak and read bandwidth of one core), then, rounds
times in turn, the peers (numpy loss and gradient, scikit-learn's Cholesky
fit) with one thread and BenchmarkRidgeGrad, BenchmarkFitRidge and
BenchmarkGram on one core for one kernel, then limits.sh again.
RidgeGrad runs with X on the Go heap and with X in transparent huge
pages, where numpy keeps its large arrays. Every
figure is the best over the rounds, which on a shared machine is the one
least disturbed by other jobs. Needs the peers installed and the peers
directory as the first argument.

    scripts/ridgetable.py ../shared/peers [rounds [kernel]]
"""
import os, re, statistics, subprocess, sys

peers = sys.argv[1]
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
kernel = sys.argv[3] if len(sys.argv) > 3 else "avx2"
shapes = [(1000000, 16), (100000, 128), (20000, 768)]


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def limits():
    """Returns the float64 FMA peaks with YMM and with ZMM, and the read
    bandwidth. float64 lanes are half the float32 lanes that limits.sh
    counts. Without an AVX-512 line the ZMM peak is the YMM one."""
    out = run(["sh", os.path.join(peers, "limits.sh")])
    ymm = float(re.search(r"avx2 ymm:\s*([\d.]+)", out).group(1))
    zmm = re.search(r"avx512 zmm:\s*([\d.]+)", out)
    zmm = float(zmm.group(1)) if zmm else ymm
    bandwidth = float(re.search(r"read bandwidth:\s*([\d.]+)", out).group(1))
    return ymm / 2, zmm / 2, bandwidth


peak1, zpeak1, bw1 = limits()
numpy_ms, sklearn_ms, samples = {}, {}, {}
for _ in range(rounds):
    peer_out = run([os.path.join(peers, "ridge.py")], env={**os.environ, "T": "1"})
    for line in peer_out.splitlines():
        m = re.match(r"n=(\d+) d=(\d+)\s+(numpy|sklearn).*?([\d.]+) ms", line)
        if m:
            key = (int(m.group(1)), int(m.group(2)))
            (numpy_ms if m.group(3) == "numpy" else sklearn_ms).setdefault(key, []).append(float(m.group(4)))
    bench = run(["go", "test", "-run", "^$", "-bench", f"^Benchmark(RidgeGrad|FitRidge|Gram)$/.*/^kernel={kernel}$",
                 "-cpu", "1", "."])
    print(peer_out, bench, file=sys.stderr)
    for line in bench.splitlines():
        m = re.match(r"Benchmark(\w+)/(shape|ds)=([\dx]+)/kernel=\w+(/memory=\w+)?\s+\d+\s+([\d.]+) ns/op.*?([\d.]+) (GB/s|GFMA/s)$",
                     line)
        if m:
            name = m.group(1) + (m.group(4) or "")
            samples.setdefault((name, m.group(3)), []).append((float(m.group(5)), float(m.group(6))))
peak2, zpeak2, bw2 = limits()
peak, zpeak, bw = max(peak1, peak2), max(zpeak1, zpeak2), max(bw1, bw2)


def best(name, key, i):
    """Returns the shortest time (i = 0) or the highest rate (i = 1), or
    None where the benchmark did not run (memory=huge skips itself where
    the kernel gives no huge pages)."""
    values = [s[i] for s in samples.get((name, key), [])]
    if not values:
        return None
    return min(values) if i == 0 else max(values)


def grad_cells(memory, key, numpy):
    """Returns the RidgeGrad cells of one row for X in the given memory."""
    ns, gbs = best("RidgeGrad/memory=" + memory, key, 0), best("RidgeGrad/memory=" + memory, key, 1)
    if ns is None:
        return "– | – | – | –"
    return f"{ns / 1e6:.2f} ms | {gbs:.1f} | {gbs / bw:.0%} | {numpy / (ns / 1e6):.2f}×"


print(f"One core, kernel {kernel}; float64 FMA peak {peak:.1f} GFMA/s with YMM and {zpeak:.1f} with ZMM, "
      f"read bandwidth {bw:.1f} GB/s.\n")
print("| n × d | numpy | RidgeGrad, X on the Go heap | GB/s of X | of bandwidth | speed-up "
      "| RidgeGrad, X in huge pages | GB/s of X | of bandwidth | speed-up |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n, d in shapes:
    key = f"{n}x{d}"
    numpy = min(numpy_ms[(n, d)])
    print(f"| {n:,} × {d} | {numpy:.2f} ms | {grad_cells('heap', key, numpy)} | {grad_cells('huge', key, numpy)} |")
print()
print("| n × d | FitRidge | Gram GFMA/s | of YMM peak | of ZMM peak | scikit-learn | speed-up |")
print("|---|---|---|---|---|---|---|")
for n, d in shapes:
    key = f"{n}x{d}"
    fit_ms = best("FitRidge", key, 0) / 1e6
    gram = best("Gram", str(d), 1)
    sklearn = min(sklearn_ms[(n, d)])
    print(f"| {n:,} × {d} | {fit_ms:.1f} ms | {gram:.1f} | {gram / peak:.0%} | {gram / zpeak:.0%} | "
          f"{sklearn:.1f} ms | {sklearn / fit_ms:.2f}× |")
