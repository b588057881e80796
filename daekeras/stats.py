"""The book's analysis of multi-seed results, fixed before the data are read.

Every p-value, interval and "which setting is better" of the book comes from
this module, and every chapter applies it in the same way. The plan below was
written before the 100-seed runs of Experiment 1 and of the dropout
comparison were read; a chapter may not pick another test, another subset of
seeds or another correction after seeing its numbers.

Analysis plan
-------------
Unit.
    One root seed. Both settings of a comparison are trained from the same
    root seed (same initial weights, same data order), so the two runs of a
    seed form a pair.
Outcome.
    The test error of each run (a fraction), and, as its own outcome, whether
    the run *collapsed*: some digit is (almost) never predicted
    (`daekeras.collapse.starved_classes`).
Primary test (test errors).
    The two-sided Wilcoxon signed-rank test of the paired differences
    `d = b - a` (`scipy.stats.wilcoxon`). Pairs with `d = 0` are dropped
    (`zero_method="wilcox"`). The null distribution is exact when no `|d|`
    ties remain (SciPy's exact method); with ties it is the permutation
    distribution of the signed ranks, enumerated in full for up to 16 pairs
    and, above that, estimated from 99,999 random sign patterns (seeded):
    a Monte Carlo p-value, whose standard error is at most 0.0016 (at
    p = 0.5) and about 0.0002 at p = 0.005. It
    ranks the differences, so a handful of collapsed runs (errors 8 to 10
    points higher) cannot decide it by their size alone.
Effect size.
    The median of the paired differences, with a 95 % bootstrap interval
    (`scipy.stats.bootstrap`, percentile method, 9,999 resamples of the
    pairs, seeded).
Collapse.
    The exact McNemar test: a two-sided binomial test with probability
    1/2 (`scipy.stats.binomtest`) on the pairs where only one of the two
    runs collapsed.
Secondary.
    The sign-flip permutation test of the *mean* difference
    (`scipy.stats.permutation_test`), reported beside the primary test only
    to show how far a few collapsed runs move a mean. It is never corrected
    for, asserted on, or used for a conclusion.
Family and correction.
    A chapter's family is every primary test and every McNemar test it
    reports. Their p-values are adjusted by Holm's step-down method
    (`statsmodels.stats.multitest.multipletests(method="holm")`), which
    controls the probability of any false rejection in the family.
Significance level.
    `ALPHA = 0.05`, two-sided, on the Holm-adjusted p-value. A comparison
    whose adjusted p-value is at least `ALPHA` is stated as undecided at
    the seeds run, never as "no difference".

Unpaired comparisons (the original code against daekeras, with seeds that
do not correspond) use Fisher's exact test for collapse rates
(`compare_rates`) and a permutation test of the difference of medians
(`compare_medians`); they join the family of the chapter that reports them.
"""

import dataclasses

import numpy as np

#: Significance level of every conclusion, on Holm-adjusted p-values.
ALPHA = 0.05
#: Confidence level of the bootstrap intervals.
CONFIDENCE = 0.95
#: Resamples of the bootstrap intervals and of the random permutation tests.
N_RESAMPLES = 9_999
#: Random sign patterns of the Wilcoxon null distribution when |d| has ties
#: and more than `EXACT_PAIRS` pairs remain.
N_SIGN_PATTERNS = 99_999
#: Up to this many pairs, permutation nulls are enumerated in full.
EXACT_PAIRS = 16
#: The seed of every resampling in this module: the same data give the same
#: interval and p-value on every call.
RESAMPLING_SEED = 0


def _vector(values, name, owner):
    v = np.asarray(values, dtype="float64")
    if v.ndim != 1 or len(v) == 0 or not np.all(np.isfinite(v)):
        raise ValueError(
            f"{owner}: Argument `{name}` must be a non-empty 1-D sequence of "
            f"finite numbers. Received: {name} with shape {v.shape}"
            + ("" if v.ndim != 1 or len(v) == 0 else " and non-finite values")
        )
    return v


def _pair(a, b, owner, minimum=1):
    a = _vector(a, "a", owner)
    b = _vector(b, "b", owner)
    if a.shape != b.shape or len(a) < minimum:
        raise ValueError(
            f"{owner}: Arguments `a` and `b` must have the same length (at least "
            f"{minimum}), one value per seed. Received: lengths {len(a)} and {len(b)}"
        )
    return a, b


def _flags(values, name, owner, length):
    v = np.asarray(values)
    if v.shape != (length,) or not np.all(np.isin(v, (0, 1, False, True))):
        raise ValueError(
            f"{owner}: Argument `{name}` must be {length} booleans, one per seed. "
            f"Received: {name} with shape {v.shape}"
        )
    return v.astype(bool)


def summarize(values):
    """Count, mean, standard deviation, median, quartiles, min and max.

    Args:
        values: 1-D sequence of numbers (at least one).

    Returns:
        A dict of floats (and the count `n`).

    Example:

    >>> summarize([4.0, 1.0, 3.0, 2.0])["median"]
    2.5
    """
    v = _vector(values, "values", "summarize")
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


@dataclasses.dataclass(frozen=True)
class McNemar:
    """The exact McNemar test of a paired binary outcome (collapse).

    Attributes:
        n: Number of pairs.
        a_only: Pairs where only the run of `a` has the outcome.
        b_only: Pairs where only the run of `b` has the outcome.
        both: Pairs where both runs have it.
        p_value: Two-sided exact p-value (1.0 without discordant pairs).
    """

    n: int
    a_only: int
    b_only: int
    both: int
    p_value: float


def mcnemar_exact(a, b):
    """Exact McNemar test: does the outcome occur more often under `a` or `b`?

    A two-sided binomial test with probability 1/2 on the discordant pairs
    (`scipy.stats.binomtest`).

    Args:
        a: Booleans, one per seed: the outcome under the first setting.
        b: Booleans of the same length, paired with `a` by seed.

    Returns:
        A `McNemar`.

    Example:

    >>> r = mcnemar_exact([1, 0, 0, 0, 1], [0, 0, 0, 0, 1])
    >>> (r.a_only, r.b_only, r.p_value)
    (1, 0, 1.0)
    """
    from scipy import stats

    owner = "mcnemar_exact"
    a = np.asarray(a)
    a = _flags(a, "a", owner, a.shape[0] if a.ndim == 1 else -1)
    b = _flags(b, "b", owner, len(a))
    a_only = int(np.sum(a & ~b))
    b_only = int(np.sum(b & ~a))
    discordant = a_only + b_only
    p = 1.0 if discordant == 0 else float(stats.binomtest(b_only, discordant, 0.5).pvalue)
    return McNemar(n=len(a), a_only=a_only, b_only=b_only, both=int(np.sum(a & b)), p_value=p)


def _signed_rank_p_value(d, n_resamples, rng):
    """Two-sided p-value of Wilcoxon's statistic under random sign flips.

    The same null distribution and the same draws as `scipy.stats.wilcoxon`
    with `method=PermutationMethod(n_resamples, rng)` (the p-values agree
    exactly; `tests/test_stats.py` checks it). SciPy ranks `|d|` again for
    every sign pattern, one pattern at a time (about 10 s for 99,999
    patterns of 100 pairs); a sign flip does not change `|d|`, so the ranks
    are computed once here and `scipy.stats.permutation_test` evaluates the
    positive-rank sum for all patterns at once (about 0.4 s).
    """
    from scipy import stats

    ranks = stats.rankdata(np.abs(d))

    def positive_rank_sum(x, axis):
        return np.sum((x > 0) * ranks, axis=axis)

    result = stats.permutation_test(
        (d,), positive_rank_sum, vectorized=True, permutation_type="samples",
        n_resamples=n_resamples, rng=rng, alternative="two-sided",
    )
    return float(result.pvalue)


def _wilcoxon(d):
    """The primary test on the non-zero differences `d`: (statistic, p, method)."""
    from scipy import stats

    magnitudes = np.abs(d)
    if len(np.unique(magnitudes)) == len(d):
        result = stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided", method="exact")
        return float(result.statistic), float(result.pvalue), "exact"
    statistic = float(stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided",
                                     method="asymptotic").statistic)
    if len(d) <= EXACT_PAIRS:
        p = _signed_rank_p_value(d, 2 ** len(d), None)
        label = "exact (all sign patterns, ties)"
    else:
        p = _signed_rank_p_value(d, N_SIGN_PATTERNS, np.random.default_rng(RESAMPLING_SEED))
        label = f"permutation ({N_SIGN_PATTERNS:,} sign patterns, ties)"
    return statistic, p, label


def _median_interval(d):
    from scipy import stats

    if len(d) < 2 or np.all(d == d[0]):
        return float(np.median(d)), float(np.median(d))
    result = stats.bootstrap(
        (d,), np.median, confidence_level=CONFIDENCE, n_resamples=N_RESAMPLES,
        method="percentile", rng=np.random.default_rng(RESAMPLING_SEED),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _mean_sign_flip(d):
    """Secondary: two-sided sign-flip permutation p-value of the mean of `d`."""
    from scipy import stats

    if np.all(d == 0):
        return 1.0
    exact = len(d) <= EXACT_PAIRS
    result = stats.permutation_test(
        (d,), np.mean, permutation_type="samples", alternative="two-sided",
        n_resamples=np.inf if exact else N_RESAMPLES,
        rng=None if exact else np.random.default_rng(RESAMPLING_SEED),
    )
    return float(result.pvalue)


@dataclasses.dataclass(frozen=True)
class Paired:
    """A paired comparison of test errors, by the plan of this module.

    Differences are `b - a`, seed by seed: a negative median difference
    means `b` has the lower error.

    Attributes:
        name: What is compared (for tables), e.g. `"masking 0 -> 0.5"`.
        n: Number of pairs (seeds).
        b_better: Pairs with `b < a`.
        a_better: Pairs with `a < b`.
        ties: Pairs with `a == b` (left out of the Wilcoxon test).
        median_difference: Median of `b - a` over all pairs.
        ci_low, ci_high: Its bootstrap interval (level `CONFIDENCE`).
        statistic: Wilcoxon's statistic (the smaller signed-rank sum).
        p_value: Two-sided Wilcoxon p-value (1.0 when every pair ties).
        method: How the Wilcoxon null distribution was computed.
        mean_difference: Mean of `b - a` (secondary).
        mean_p_value: Sign-flip p-value of the mean (secondary).
        collapse: A `McNemar` of the collapse flags, when given.
    """

    name: str
    n: int
    b_better: int
    a_better: int
    ties: int
    median_difference: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    method: str
    mean_difference: float
    mean_p_value: float
    collapse: McNemar | None = None

    @property
    def winner(self):
        """`"b"`, `"a"` or `None`: the side the median difference favours."""
        if self.median_difference < 0:
            return "b"
        if self.median_difference > 0:
            return "a"
        return None


def compare_paired(a, b, *, name="", collapsed_a=None, collapsed_b=None):
    """Compare two settings trained on the same seeds, by the module's plan.

    Args:
        a: Test errors of the reference setting, one per seed.
        b: Test errors of the other setting, in the same seed order.
        name: A label for tables.
        collapsed_a, collapsed_b: Optional collapse flags per seed (both or
            neither); adds the exact McNemar test of collapse.

    Returns:
        A `Paired`.

    Example:

    >>> r = compare_paired([0.10, 0.11, 0.12, 0.13, 0.14, 0.15],
    ...                    [0.09, 0.09, 0.10, 0.10, 0.11, 0.11])
    >>> (r.b_better, r.p_value, r.median_difference < 0)
    (6, 0.03125, True)
    """
    owner = "compare_paired"
    a, b = _pair(a, b, owner)
    if (collapsed_a is None) != (collapsed_b is None):
        raise ValueError(
            f"{owner}: Arguments `collapsed_a` and `collapsed_b` go together. "
            f"Received: only `{'collapsed_a' if collapsed_b is None else 'collapsed_b'}`"
        )
    collapse = None
    if collapsed_a is not None:
        collapse = mcnemar_exact(_flags(collapsed_a, "collapsed_a", owner, len(a)),
                                 _flags(collapsed_b, "collapsed_b", owner, len(a)))
    d = b - a
    nonzero = d[d != 0]
    if len(nonzero):
        statistic, p, method = _wilcoxon(nonzero)
    else:
        statistic, p, method = 0.0, 1.0, "every pair ties"
    low, high = _median_interval(d)
    return Paired(
        name=name,
        n=len(d),
        b_better=int(np.sum(d < 0)),
        a_better=int(np.sum(d > 0)),
        ties=int(np.sum(d == 0)),
        median_difference=float(np.median(d)),
        ci_low=low,
        ci_high=high,
        statistic=statistic,
        p_value=p,
        method=method,
        mean_difference=float(d.mean()),
        mean_p_value=_mean_sign_flip(d),
        collapse=collapse,
    )


@dataclasses.dataclass(frozen=True)
class Rates:
    """Fisher's exact test of two independent rates (`compare_rates`)."""

    name: str
    k_a: int
    n_a: int
    k_b: int
    n_b: int
    odds_ratio: float
    p_value: float


def compare_rates(k_a, n_a, k_b, n_b, *, name=""):
    """Fisher's exact two-sided test: is `k_a / n_a` different from `k_b / n_b`?

    For outcomes of runs that are not paired by seed (the original code
    against daekeras).

    Example:

    >>> round(compare_rates(3, 10, 4, 20).p_value, 3)
    0.657
    """
    from scipy import stats

    for arg, value in (("k_a", k_a), ("n_a", n_a), ("k_b", k_b), ("n_b", n_b)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(
                f"compare_rates: Argument `{arg}` must be a non-negative integer. "
                f"Received: {arg}={value!r}"
            )
    if k_a > n_a or k_b > n_b or n_a == 0 or n_b == 0:
        raise ValueError(
            "compare_rates: Expected 0 <= k <= n and n >= 1 for both rates. "
            f"Received: {k_a}/{n_a} and {k_b}/{n_b}"
        )
    result = stats.fisher_exact([[k_a, n_a - k_a], [k_b, n_b - k_b]], alternative="two-sided")
    return Rates(name=name, k_a=int(k_a), n_a=int(n_a), k_b=int(k_b), n_b=int(n_b),
                 odds_ratio=float(result.statistic), p_value=float(result.pvalue))


@dataclasses.dataclass(frozen=True)
class Medians:
    """A permutation test of the difference of two independent medians."""

    name: str
    n_a: int
    n_b: int
    median_a: float
    median_b: float
    p_value: float


def compare_medians(a, b, *, name=""):
    """Two-sided permutation test of `median(b) - median(a)`, unpaired samples.

    `scipy.stats.permutation_test` with `N_RESAMPLES` random relabellings
    (seeded); for runs that are not paired by seed.

    Example:

    >>> compare_medians([1.0, 2.0, 3.0], [1.5, 2.5, 3.5]).median_b
    2.5
    """
    from scipy import stats

    a = _vector(a, "a", "compare_medians")
    b = _vector(b, "b", "compare_medians")
    result = stats.permutation_test(
        (a, b), lambda x, y, axis: np.median(y, axis=axis) - np.median(x, axis=axis),
        permutation_type="independent", alternative="two-sided", vectorized=True,
        n_resamples=N_RESAMPLES, rng=np.random.default_rng(RESAMPLING_SEED),
    )
    return Medians(name=name, n_a=len(a), n_b=len(b), median_a=float(np.median(a)),
                   median_b=float(np.median(b)), p_value=float(result.pvalue))


def holm(p_values):
    """Holm-adjusted p-values (`statsmodels`' `multipletests(method="holm")`).

    Args:
        p_values: The raw p-values of one family of tests.

    Returns:
        float array of adjusted p-values, in the order given.

    Example:

    >>> holm([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]
    """
    from statsmodels.stats.multitest import multipletests

    p = _vector(p_values, "p_values", "holm")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"holm: Argument `p_values` must lie in [0, 1]. Received: {p.tolist()}")
    return multipletests(p, alpha=ALPHA, method="holm")[1]


class Family:
    """One chapter's family of tests, adjusted together by Holm's method.

    Add every test the chapter reports (`Paired` results add their Wilcoxon
    test and, when present, their McNemar test of collapse; `Rates` and
    `Medians` add theirs), then read `table()` or `adjusted(name)`.

    Example:

    >>> family = Family("Chapter 0")
    >>> x = family.add(compare_paired([0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    ...                               [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], name="x"))
    >>> y = family.add(compare_rates(3, 10, 4, 20, name="y"))
    >>> [round(p, 4) for p in family.table()["adjusted"]]
    [0.0625, 0.6573]
    """

    def __init__(self, name):
        self.name = name
        self._tests = []

    def add(self, result):
        """Add `result`'s test(s) to the family; returns `result`."""
        if isinstance(result, Paired):
            self._tests.append((result.name, "Wilcoxon signed-rank", result.p_value))
            if result.collapse is not None:
                self._tests.append((result.name, "McNemar (collapse)", result.collapse.p_value))
        elif isinstance(result, Rates):
            self._tests.append((result.name, "Fisher's exact (collapse rate)", result.p_value))
        elif isinstance(result, Medians):
            self._tests.append((result.name, "permutation (median)", result.p_value))
        else:
            raise TypeError(
                f"Family.add: Argument `result` must be a Paired, Rates or Medians. "
                f"Received: {type(result).__name__}"
            )
        return result

    def __len__(self):
        return len(self._tests)

    def table(self):
        """A dict of columns: `name`, `test`, `raw`, `adjusted`, `significant`."""
        if not self._tests:
            raise ValueError(f"Family {self.name!r}: no tests were added")
        names, tests, raw = zip(*self._tests)
        adjusted = holm(raw)
        return {
            "name": list(names),
            "test": list(tests),
            "raw": [float(p) for p in raw],
            "adjusted": [float(p) for p in adjusted],
            "significant": [bool(p < ALPHA) for p in adjusted],
        }

    def adjusted(self, name, test="Wilcoxon signed-rank"):
        """The Holm-adjusted p-value of the test `test` of comparison `name`."""
        table = self.table()
        for n, t, p in zip(table["name"], table["test"], table["adjusted"]):
            if n == name and t == test:
                return p
        raise KeyError(f"Family {self.name!r} has no test {test!r} of {name!r}")
