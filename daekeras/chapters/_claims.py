"""The claim record and the check that Chapters 1 and 2 share."""

from typing import NamedTuple


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
