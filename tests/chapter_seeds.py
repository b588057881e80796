"""The root seeds on which the tests/test_chapter_0N_seeds.py files re-check a chapter's claims.

Each chapter checks its sentences for the book's root seed 0. The seed tests
measure the chapter again for other root seeds, with a reduced budget, and
apply the same checks. `make test` runs them for root seed 1, each chapter
on one backend (the marker `seeds_tensorflow` or `seeds_jax` says which):
that is every claim check of every chapter, on a seed the book did not use,
within the suite's time budget. More seeds, on any backend:

    DAEKERAS_CHAPTER_SEEDS="1 2 3" python -m pytest tests/test_chapter_01_seeds.py
"""

import os

#: The variable that names the root seeds, separated by spaces or commas.
VARIABLE = "DAEKERAS_CHAPTER_SEEDS"
#: The seeds when the variable is not set.
DEFAULT = (1,)


def parse(text):
    """The root seeds named by `text` ("1 2 3" or "1,2,3"), in order.

    Args:
        text: The value of `DAEKERAS_CHAPTER_SEEDS`.

    Returns:
        A tuple of distinct positive ints.

    Example:

    >>> parse("1, 2 3")
    (1, 2, 3)
    """
    words = text.replace(",", " ").split()
    valid = all(w.isdigit() and int(w) > 0 for w in words)
    if not words or not valid or len({int(w) for w in words}) != len(words):
        raise ValueError(
            f"Environment variable `{VARIABLE}` must name distinct positive root seeds "
            f"(the book uses seed 0), separated by spaces or commas. Received: {VARIABLE}={text!r}"
        )
    return tuple(int(w) for w in words)


def seeds():
    """The root seeds of this run: `DAEKERAS_CHAPTER_SEEDS`, or `DEFAULT`."""
    text = os.environ.get(VARIABLE)
    return DEFAULT if text is None else parse(text)
