"""What Chapters 1 and 2 share: the measurement run, the claim record and its check."""

import time
from typing import NamedTuple

from threadpoolctl import threadpool_limits


def measured(measure, seed, budget):
    """A chapter's measurements from root seed `seed`, on one NumPy thread.

    NumPy's linear algebra runs on one thread, as TensorFlow does in the book
    (`daekeras.runtime.BOOK_THREADS`).

    Args:
        measure: The chapter's `measure(seed, budget, m)`, which adds its
            measurements to the dict `m`.
        seed: Root seed of the run (`daekeras.seeds`).
        budget: The chapter's `Budget` (a named tuple).

    Returns:
        The dict `m`: `seed`, `budget` (as a dict), the measurements, and the
        `seconds` the whole run took.
    """
    start = time.perf_counter()
    m = {"seed": int(seed), "budget": budget._asdict()}
    with threadpool_limits(limits=1):
        measure(seed, budget, m)
    m["seconds"] = time.perf_counter() - start
    return m


class Claim(NamedTuple):
    """A sentence of the chapter and whether the measurements bear it out.

    Attributes:
        sentence: What the chapter says, as it says it.
        holds: Whether the measurements agree.
        evidence: The numbers that decide it.
        every_budget: `True` for a statement about the method, checked for
            every root seed and budget; `False` for a statement about how far
            the chapter's own training got, checked at the full budget only
            (the chapter says "in this run").
    """

    sentence: str
    holds: bool
    evidence: object
    every_budget: bool


class Claims(list):
    """The `Claim`s of a chapter, in the order they are made."""

    def claim(self, sentence, holds, evidence, every_budget=True):
        """Add a claim; by default about the method, checked at every budget."""
        self.append(Claim(sentence, bool(holds), evidence, every_budget))

    def this_run(self, sentence, holds, evidence):
        """Add a claim about how far the chapter's own run got (full budget only)."""
        self.claim(sentence, holds, evidence, every_budget=False)


def check_claims(claims, m, full, chapter):
    """Raise an `AssertionError` naming every claim of `claims` that fails.

    At the full budget (`full`) every claim is checked; otherwise only the
    claims about the method (`Claim.every_budget`).

    Returns:
        The number of claims checked.
    """
    results = [c for c in claims if full or c.every_budget]
    failed = [f"- {c.sentence} ({c.evidence})" for c in results if not c.holds]
    if failed:
        raise AssertionError(
            f"{chapter}, root seed {m['seed']}, budget {m['budget']}: "
            f"{len(failed)} of {len(results)} claims do not hold:\n" + "\n".join(failed)
        )
    return len(results)
