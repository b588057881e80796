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


def check_seed(seed, name="seed", owner=None):
    """Return `seed` if it is `None` or a seed Keras's generators tell apart.

    A layer or initialiser seed is a *stream* seed (see `daekeras.seeds`):
    an integer in `[0, daekeras.seeds.SEED_SPACE)`.
    """
    from daekeras.seeds import SEED_SPACE
    from daekeras.seeds import check_seed as _check

    return _check(seed, name, owner, maximum=SEED_SPACE - 1, allow_none=True)


def _dtype_name(value):
    """The Keras name of `value`'s dtype (`"float32"`, `"string"`, `"<U1"`, ...)."""
    import keras
    import numpy as np

    if not hasattr(value, "dtype"):
        value = np.asarray(value)
    try:
        return keras.backend.standardize_dtype(value.dtype)
    except ValueError:
        return str(value.dtype)


def check_numeric(value, name, owner=None):
    """Raise a `TypeError` unless `value` has a float, integer or boolean dtype."""
    dtype = _dtype_name(value)
    if not ("float" in dtype or "int" in dtype or dtype == "bool"):
        prefix = f"{owner}: " if owner else ""
        raise TypeError(
            f"{prefix}Expected `{name}` of a float, integer or boolean dtype. "
            f"Received: {name} with dtype {dtype}"
        )


def numeric_inputs(inputs, dtype, name="inputs", owner=None):
    """Cast integer and boolean `inputs` to the float `dtype`; refuse others.

    Float tensors are returned unchanged. Integer, unsigned and boolean
    tensors are cast to `dtype` with their values unchanged (a `uint8` pixel
    255 becomes 255.0, as `keras.layers.Dense` treats it; scale images with
    `daekeras.to_unit_vectors` first). Strings, complex numbers and other
    dtypes raise a `TypeError`.
    """
    import keras

    check_numeric(inputs, name, owner)
    if "float" in _dtype_name(inputs):
        return inputs
    return keras.ops.cast(inputs, dtype)


def check_activation(activation, name, owner):
    """Resolve a Keras activation, or raise an error that names the argument.

    Returns:
        The activation function (`keras.activations.get(activation)`).
    """
    import keras

    try:
        return keras.activations.get(activation)
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner}: Argument `{name}` must be None, a callable or the "
            f"name of a Keras activation. Received: {name}={activation!r}"
        ) from None
