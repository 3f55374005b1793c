#!/usr/bin/env python3
"""Time scikit-learn's Ridge (Cholesky solver, one thread) on the wide
shapes of BenchmarkFitRidgeWide: fewer rows than columns, where it solves
the dual form. Prints the median of 7 fits per shape, in ms. The data are
standard normal float64, as in the benchmark, and alpha = n·0.1 matches
its lambda = 0.1.

    /usr/bin/python3 scripts/widefit.py
"""
import time

import numpy as np
from sklearn.linear_model import Ridge
from threadpoolctl import threadpool_limits

rng = np.random.default_rng(1)
with threadpool_limits(1):
    for n, d in [(10, 3000), (200, 5000), (1000, 2000)]:
        X = rng.standard_normal((n, d))
        y = rng.standard_normal(n)
        model = Ridge(alpha=n * 0.1, solver="cholesky")
        times = []
        for _ in range(7):
            start = time.perf_counter()
            model.fit(X, y)
            times.append(time.perf_counter() - start)
        print(f"{n}x{d}: {1e3 * sorted(times)[3]:.3f} ms")
