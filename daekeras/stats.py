"""Small statistics for many-seed results: summaries and a paired test."""

import math

import numpy as np


def summarize(values):
    """Count, mean, standard deviation, median, quartiles, min and max.

    Args:
        values: 1-D sequence of numbers (at least one).

    Returns:
        A dict of floats (and the count `n`).
    """
    v = np.asarray(values, dtype="float64")
    if v.ndim != 1 or len(v) == 0:
        raise ValueError(
            "summarize: Expected a non-empty 1-D sequence of numbers. "
            f"Received: values with shape {v.shape}"
        )
    q1, median, q3 = np.percentile(v, [25, 50, 75])
    return {
        "n": int(len(v)),
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(v.min()),
        "max": float(v.max()),
    }


def paired_test(a, b):
    """Paired comparison of two equally seeded sets of runs.

    The difference `d = b - a` is taken run by run (same seed). Returns the
    mean difference, the paired t statistic, and the exact two-sided p-value
    of the sign-flip permutation test (under the null hypothesis each
    difference is as likely to have either sign); it assumes nothing about
    the shape of the distribution, which matters when some runs collapse.

    Args:
        a: 1-D sequence, the reference runs.
        b: 1-D sequence of the same length, paired with `a`.

    Returns:
        dict with `n`, `mean_difference`, `t`, `p_value`, `b_better`
        (number of pairs with `b < a`) and `a_better`.
    """
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(
            "paired_test: Expected two 1-D sequences of the same length (at "
            f"least 2). Received: shapes {a.shape} and {b.shape}"
        )
    if len(a) > 20:
        raise ValueError(
            "paired_test: the exact permutation test enumerates 2**n sign "
            f"patterns; expected n <= 20. Received: n={len(a)}"
        )
    d = b - a
    sd = d.std(ddof=1)
    t = float(d.mean() / (sd / math.sqrt(len(d)))) if sd > 0 else math.copysign(math.inf, d.mean()) if d.mean() else 0.0
    # All 2**n signed sums, built one difference at a time (8 MB for n = 20).
    sums = np.zeros(1)
    for value in d:
        sums = np.concatenate([sums + value, sums - value])
    p = float(np.mean(np.abs(sums) >= abs(d.sum()) - 1e-12))
    return {
        "n": int(len(d)),
        "mean_difference": float(d.mean()),
        "t": t,
        "p_value": p,
        "b_better": int(np.sum(d < 0)),
        "a_better": int(np.sum(d > 0)),
    }
