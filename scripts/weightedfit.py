#!/usr/bin/env python3
"""Time scikit-learn's Ridge (Cholesky solver, one thread) with and
without sample_weight on the shapes of BenchmarkFitRidgeWeighted, whose
weights are 1, 2 and 3 in turn. Prints the median of 5 fits per shape and
case, in ms. The data are standard normal float64 with y = X·w + noise,
and alpha = n·0.1 matches the benchmark's lambda = 0.1 (with weights,
scikit-learn's alpha stands for λ·Σw, so this alpha is a smaller penalty
there; the solver's work is the same).

    /usr/bin/python3 scripts/weightedfit.py
"""
import time

import numpy as np
from sklearn.linear_model import Ridge
from threadpoolctl import threadpool_limits

rng = np.random.default_rng(2)
with threadpool_limits(1):
    for n, d in [(1000000, 16), (100000, 128)]:
        X = rng.standard_normal((n, d))
        y = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
        weights = 1.0 + np.arange(n) % 3
        for case, kwargs in [("unweighted", {}), ("weighted", {"sample_weight": weights})]:
            model = Ridge(alpha=n * 0.1, solver="cholesky")
            times = []
            for _ in range(5):
                start = time.perf_counter()
                model.fit(X, y, **kwargs)
                times.append(time.perf_counter() - start)
            print(f"{n}x{d} {case}: {1e3 * sorted(times)[2]:.1f} ms")
