"""Argument checks shared by the public classes and functions.

Every message names the argument, what was expected and what was received, in
the form Keras uses: ``Expected a float in [0, 1). Received: rate=1.5``.
"""

import math
import numbers


def check_rate(value, name="rate", owner=None):
    """Return `value` as a float if it lies in [0, 1), else raise."""
    prefix = f"{owner}: " if owner else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{prefix}Argument `{name}` must be a float in [0, 1). "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    value = float(value)
    if not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(
            f"{prefix}Argument `{name}` must be a float in [0, 1). "
            f"Received: {name}={value!r}"
        )
    return value


def check_real(value, name, owner=None):
    """Return `value` as a finite float, else raise."""
    prefix = f"{owner}: " if owner else ""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
    ):
        raise TypeError(
            f"{prefix}Argument `{name}` must be a finite real number. "
            f"Received: {name}={value!r} (of type {type(value).__name__})"
        )
    return float(value)


def check_positive_int(value, name, owner=None):
    """Return `value` as an int if it is a positive integer, else raise."""
    prefix = f"{owner}: " if owner else ""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < 1
    ):
        raise ValueError(
            f"{prefix}Argument `{name}` must be a positive integer. "
            f"Received: {name}={value!r}"
        )
    return int(value)


def check_choice(value, name, choices, owner=None):
    """Return `value` if it is one of `choices`, else raise."""
    prefix = f"{owner}: " if owner else ""
    if value not in choices:
        raise ValueError(
            f"{prefix}Argument `{name}` must be one of {sorted(choices)}. "
            f"Received: {name}={value!r}"
        )
    return value


def check_rank(shape, rank, name, owner=None):
    """Raise unless `shape` has exactly `rank` dimensions."""
    prefix = f"{owner}: " if owner else ""
    if shape is None or len(shape) != rank:
        raise ValueError(
            f"{prefix}Expected `{name}` of rank {rank}. "
            f"Received: {name} with shape {None if shape is None else tuple(shape)}"
        )
