"""daekeras.stats: the pre-registered analysis, checked against SciPy by hand."""

import itertools

import numpy as np
import pytest
from scipy import stats as sps

from daekeras import stats

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free


# -- summarize ----------------------------------------------------------------


def test_summarize_by_hand():
    s = stats.summarize([4.0, 1.0, 3.0, 2.0])
    assert s["n"] == 4
    assert s["mean"] == pytest.approx(2.5)
    assert s["std"] == pytest.approx(np.sqrt(5 / 3))  # Σ(x - 2.5)² = 5, over n - 1 = 3
    assert s["median"] == pytest.approx(2.5)
    assert s["q1"] == pytest.approx(1.75) and s["q3"] == pytest.approx(3.25)
    assert (s["min"], s["max"]) == (1.0, 4.0)


def test_summarize_single_value_has_zero_std():
    assert stats.summarize([0.2])["std"] == 0.0


@pytest.mark.parametrize("values", [[], [[1.0, 2.0]], [1.0, np.nan]], ids=["empty", "2-D", "nan"])
def test_summarize_rejects_bad_input(values):
    with pytest.raises(ValueError, match="summarize: Argument `values`"):
        stats.summarize(values)


# -- compare_paired -----------------------------------------------------------


def test_wilcoxon_exact_by_enumeration():
    """Without ties the p-value is the share of the 2**n sign patterns whose
    smaller rank sum is at most the observed one."""
    a = np.array([0.10, 0.12, 0.09, 0.11, 0.13, 0.10, 0.14])
    d = np.array([-0.011, -0.022, 0.003, -0.034, -0.015, 0.006, -0.027])
    r = stats.compare_paired(a, a + d)
    ranks = sps.rankdata(np.abs(d))
    observed = min(ranks[d > 0].sum(), ranks[d < 0].sum())
    extreme = 0
    for signs in itertools.product((1, -1), repeat=len(d)):
        s = np.array(signs)
        extreme += min(ranks[s > 0].sum(), ranks[s < 0].sum()) <= observed
    assert r.method == "exact"
    assert r.statistic == observed
    assert r.p_value == pytest.approx(extreme / 2 ** len(d))
    assert (r.b_better, r.a_better, r.ties) == (5, 2, 0)
    assert r.median_difference == pytest.approx(np.median(d))
    assert r.winner == "b"


def test_one_outlier_does_not_decide_the_rank_test_but_moves_the_mean():
    """Thirteen seeds where b is slightly better, one where b collapsed: the
    Wilcoxon test still sees b ahead; the sign-flip test of the mean does not."""
    a = np.full(14, 0.09)
    d = -np.linspace(0.002, 0.015, 14)
    d[0] = +0.15  # b's run collapsed on one seed
    r = stats.compare_paired(a, a + d)
    assert r.p_value < 0.05
    assert r.mean_p_value > 0.5
    assert r.median_difference < 0 < r.mean_difference


def test_ties_use_the_permutation_null():
    a = np.zeros(6)
    b = np.array([-1.0, -1.0, -2.0, -2.0, -3.0, 1.0])
    r = stats.compare_paired(a, b)
    assert r.method.startswith("exact (all sign patterns")
    expected = sps.wilcoxon(b, method=sps.PermutationMethod(n_resamples=64)).pvalue
    assert r.p_value == pytest.approx(expected)


def test_many_pairs_with_ties_are_seeded():
    rng = np.random.default_rng(1)
    a = rng.integers(800, 900, size=40) / 1e4
    b = a - rng.integers(0, 30, size=40) / 1e4
    first, second = stats.compare_paired(a, b), stats.compare_paired(a, b)
    assert first == second
    assert "permutation" in first.method
    assert 0 < first.p_value < 1e-3


def test_many_pairs_with_ties_match_scipys_wilcoxon(monkeypatch):
    # The signed ranks computed once give SciPy's own permutation p-value
    # (same null, same seeded draws) and its statistic.
    monkeypatch.setattr(stats, "N_SIGN_PATTERNS", 999)
    rng = np.random.default_rng(3)
    a = rng.integers(800, 900, size=30) / 1e4
    b = a - rng.integers(-10, 20, size=30) / 1e4
    d = (b - a)[b != a]
    assert len(np.unique(np.abs(d))) < len(d)  # ties: the permutation path
    r = stats.compare_paired(a, b)
    method = sps.PermutationMethod(n_resamples=999, rng=np.random.default_rng(stats.RESAMPLING_SEED))
    expected = sps.wilcoxon(d, zero_method="wilcox", method=method)
    assert (r.statistic, r.p_value) == (float(expected.statistic), float(expected.pvalue))


def test_zero_differences_are_dropped_and_counted():
    r = stats.compare_paired([0.1, 0.2, 0.3, 0.4], [0.1, 0.1, 0.2, 0.3])
    assert r.ties == 1 and r.b_better == 3
    assert r.p_value == pytest.approx(0.25)  # 3 pairs, one sign: 2 / 2**3


def test_identical_runs():
    r = stats.compare_paired([0.1, 0.2], [0.1, 0.2])
    assert (r.p_value, r.mean_p_value, r.median_difference) == (1.0, 1.0, 0.0)
    assert r.method == "every pair ties" and r.winner is None


def test_interval_contains_the_median_and_is_seeded():
    rng = np.random.default_rng(2)
    a = rng.normal(0.09, 0.005, 50)
    b = a + rng.normal(-0.004, 0.003, 50)
    r = stats.compare_paired(a, b)
    assert r.ci_low <= r.median_difference <= r.ci_high < 0
    boot = sps.bootstrap((b - a,), np.median, n_resamples=stats.N_RESAMPLES, method="percentile",
                         rng=np.random.default_rng(stats.RESAMPLING_SEED))
    assert (r.ci_low, r.ci_high) == (boot.confidence_interval.low, boot.confidence_interval.high)


def test_mcnemar_counts_and_p_value():
    a = [1, 1, 1, 1, 1, 0, 0, 1]
    b = [0, 0, 0, 0, 0, 0, 0, 1]
    r = stats.mcnemar_exact(a, b)
    assert (r.n, r.a_only, r.b_only, r.both) == (8, 5, 0, 1)
    assert r.p_value == pytest.approx(2 / 2 ** 5)


def test_compare_paired_adds_mcnemar():
    r = stats.compare_paired([0.2, 0.1, 0.1], [0.1, 0.1, 0.2],
                             collapsed_a=[True, False, False], collapsed_b=[False, False, True])
    assert (r.collapse.a_only, r.collapse.b_only, r.collapse.p_value) == (1, 1, 1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(a=[0.1, 0.2], b=[0.1]), "same length"),
        (dict(a=[], b=[]), "Argument `a`"),
        (dict(a=[0.1, np.inf], b=[0.1, 0.2]), "finite"),
        (dict(a=[0.1], b=[0.2], collapsed_a=[True]), "go together"),
        (dict(a=[0.1], b=[0.2], collapsed_a=[True], collapsed_b=[2]), "collapsed_b"),
    ],
    ids=["lengths", "empty", "inf", "one-flag-set", "not-boolean"],
)
def test_compare_paired_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        stats.compare_paired(**kwargs)


# -- unpaired -----------------------------------------------------------------


def test_compare_rates_is_fisher():
    r = stats.compare_rates(6, 20, 8, 40)
    assert r.p_value == pytest.approx(sps.fisher_exact([[6, 14], [8, 32]]).pvalue)


@pytest.mark.parametrize("args", [(3, 2, 1, 4), (1.5, 2, 1, 4), (True, 2, 1, 4), (0, 0, 1, 4)])
def test_compare_rates_rejects_bad_counts(args):
    with pytest.raises(ValueError, match="compare_rates"):
        stats.compare_rates(*args)


def test_compare_medians_detects_a_shift_and_not_its_absence():
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, 30)
    assert stats.compare_medians(x, x + 3).p_value < 1e-3
    assert stats.compare_medians(x, rng.permutation(x)).p_value == 1.0


# -- Holm ---------------------------------------------------------------------


def test_holm_by_hand():
    # Sorted 0.01, 0.03, 0.04 times 3, 2, 1 -> 0.03, 0.06, 0.04 -> monotone 0.03, 0.06, 0.06.
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5]) == pytest.approx([0.5])


@pytest.mark.parametrize("p", [[], [1.2], [-0.1]])
def test_holm_rejects_bad_p_values(p):
    with pytest.raises(ValueError, match="holm: Argument `p_values`"):
        stats.holm(p)


def test_family_adjusts_every_test_it_holds():
    family = stats.Family("test")
    paired = family.add(stats.compare_paired(
        [0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], name="x",
        collapsed_a=[1, 1, 0, 0, 0, 0], collapsed_b=[0] * 6))
    family.add(stats.compare_rates(3, 10, 4, 20, name="y"))
    table = family.table()
    assert len(family) == 3
    assert table["test"] == ["Wilcoxon signed-rank", "McNemar (collapse)", "Fisher's exact (collapse rate)"]
    assert table["adjusted"] == pytest.approx(stats.holm(table["raw"]))
    assert family.adjusted("x") == pytest.approx(min(1.0, 3 * paired.p_value))
    with pytest.raises(KeyError, match="no test"):
        family.adjusted("z")


def test_family_rejects_other_results():
    with pytest.raises(TypeError, match="Family.add: Argument `result`"):
        stats.Family("f").add({"p_value": 0.1})
    with pytest.raises(ValueError, match="no tests"):
        stats.Family("f").table()
