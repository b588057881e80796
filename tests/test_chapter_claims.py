"""What Chapters 1 and 2 share (daekeras.chapters._claims): the measurement run and the claims."""

from typing import NamedTuple

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from daekeras.chapters._claims import Claim
from daekeras.chapters._claims import Claims
from daekeras.chapters._claims import check_claims
from daekeras.chapters._claims import measured


class Budget(NamedTuple):
    n_train: int
    epochs: int


def test_measured_records_seed_budget_and_seconds_on_one_numpy_thread():
    seen = {}

    def measure(seed, budget, m):
        # The dict starts with the run's seed and budget.
        seen["start"] = dict(m)
        seen["threads"] = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
        m["value"] = float(np.sum(np.ones(budget.n_train)))

    m = measured(measure, np.int64(3), Budget(n_train=5, epochs=2))
    assert seen["start"] == {"seed": 3, "budget": {"n_train": 5, "epochs": 2}}
    assert type(m["seed"]) is int
    assert seen["threads"] == {1}  # NumPy's BLAS, on one thread inside
    assert list(m) == ["seed", "budget", "value", "seconds"]
    assert m["value"] == 5.0 and m["seconds"] >= 0


def test_claims_record_the_verdict_and_which_budgets_check_it():
    out = Claims()
    out.claim("about the method", np.bool_(True), 0.1)
    out.this_run("about this run", 0, 0.2)
    assert out == [Claim("about the method", True, 0.1, True), Claim("about this run", False, 0.2, False)]
    assert all(type(c.holds) is bool for c in out)


def test_check_claims_checks_the_run_claims_at_the_full_budget_only():
    out = Claims()
    out.claim("holds", True, 1)
    out.this_run("fails in this run", False, 2)
    m = {"seed": 0, "budget": {"n_train": 5}}
    assert check_claims(out, m, full=False, chapter="Chapter 1") == 1
    with pytest.raises(AssertionError, match=r"Chapter 1, root seed 0, budget \{'n_train': 5\}: 1 of 2 claims "
                                             r"do not hold:\n- fails in this run \(2\)"):
        check_claims(out, m, full=True, chapter="Chapter 1")
