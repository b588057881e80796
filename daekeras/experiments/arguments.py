"""Argument types of the command line, shared by the experiments' `add_arguments`.

Each parses one command-line word and answers a wrong one with argparse's
one-line error (`expected ..., received ...`). No Keras, no NumPy: the
command line answers `--help` and argument errors at once.
"""

import argparse


def typed(convert, accept, expected):
    """An argparse type: `convert` the text, then check it with `accept`."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
        return value

    return parse


#: A rate in [0, 1): masking fraction, corruption level, energy.
rate = typed(float, lambda v: 0.0 <= v < 1.0, "a number in [0, 1)")

#: A positive number: a learning rate.
positive = typed(float, lambda v: v > 0, "a positive number")

#: A positive integer: epochs, image counts.
count = typed(int, lambda v: v >= 1, "a positive integer")


def seed(text):
    """A root seed (`daekeras.seeds.MAX_ROOT_SEED` is the largest)."""
    from daekeras.seeds import MAX_ROOT_SEED

    return typed(int, lambda v: 0 <= v <= MAX_ROOT_SEED, f"an integer in [0, {MAX_ROOT_SEED}]")(text)
