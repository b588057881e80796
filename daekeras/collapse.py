"""Collapsed classifier runs: classes that a trained network (almost) never predicts.

A sigmoid output unit trained with the squared error receives the error
signal `(y - z)·z(1 - z)`. Once its output `z` is close to 0 on every image,
its own class included, the factor `z(1 - z)` closes the gate and the unit
stops learning: its class is then (almost) never predicted. These helpers
find such classes from the prediction counts of a run and measure the gate.
"""

import numpy as np

from daekeras._validation import check_rank


def _counts(values, name, owner):
    v = np.asarray(values, dtype="float64")
    check_rank(v.shape, 1, name, owner)
    if len(v) == 0 or np.any(v < 0) or not np.all(np.isfinite(v)):
        raise ValueError(
            f"{owner}: Argument `{name}` must be a non-empty sequence of "
            f"non-negative counts. Received: {name}={list(values)!r}"
        )
    return v


def class_coverage(predicted_counts, true_counts):
    """How often each class is predicted, relative to how often it occurs.

    Args:
        predicted_counts: Number of test images assigned to each class.
        true_counts: Number of test images of each class (all positive).

    Returns:
        float array, `predicted_counts / true_counts`: about 1 for a class
        the network predicts as often as it occurs, 0 for a class it never
        predicts.

    Example:

    >>> class_coverage([0, 30, 10], [10, 20, 10]).tolist()
    [0.0, 1.5, 1.0]
    """
    owner = "class_coverage"
    predicted = _counts(predicted_counts, "predicted_counts", owner)
    true = _counts(true_counts, "true_counts", owner)
    if predicted.shape != true.shape:
        raise ValueError(
            f"{owner}: Arguments `predicted_counts` and `true_counts` must have "
            f"the same length. Received: lengths {len(predicted)} and {len(true)}"
        )
    if np.any(true == 0):
        raise ValueError(
            f"{owner}: every class must occur at least once. Received: "
            f"true_counts={list(true_counts)!r}"
        )
    return predicted / true


def starved_classes(predicted_counts, true_counts, threshold=0.5):
    """Classes predicted for fewer than `threshold` times their true count.

    A run *collapses* when this list is not empty: its network has (almost)
    stopped predicting some class, and the images of that class are all, or
    nearly all, counted as errors.

    Args:
        predicted_counts: Number of test images assigned to each class.
        true_counts: Number of test images of each class.
        threshold: Float in (0, 1]. Defaults to `0.5`.

    Returns:
        A list of class indices (ints), in increasing order.

    Example:

    >>> starved_classes([1, 12, 9, 0], [10, 10, 10, 10])
    [0, 3]
    """
    if isinstance(threshold, bool) or not 0 < float(threshold) <= 1:
        raise ValueError(
            "starved_classes: Argument `threshold` must be a float in (0, 1]. "
            f"Received: threshold={threshold!r}"
        )
    coverage = class_coverage(predicted_counts, true_counts)
    return [int(c) for c in np.flatnonzero(coverage < threshold)]


def own_class_mean(values, labels, n_classes=None):
    """Mean of `values[i, k]` over the examples `i` of class `k`, for each `k`.

    With `values` the outputs of a classifier this is how strongly unit `k`
    answers on its own class; with `values = z * (1 - z)` it is the mean
    gate of the squared-error signal that reaches unit `k` from its own class.

    Args:
        values: float array `(n, n_classes)`.
        labels: int array `(n,)` of class indices.
        n_classes: Optional number of classes; defaults to `values.shape[1]`.

    Returns:
        float array `(n_classes,)`; `nan` for a class without examples.

    Example:

    >>> z = np.array([[0.9, 0.1], [0.8, 0.3], [0.2, 0.6]])
    >>> own_class_mean(z, [0, 0, 1]).round(2).tolist()
    [0.85, 0.6]
    """
    values = np.asarray(values, dtype="float64")
    labels = np.asarray(labels)
    check_rank(values.shape, 2, "values", "own_class_mean")
    check_rank(labels.shape, 1, "labels", "own_class_mean")
    if len(labels) != len(values):
        raise ValueError(
            "own_class_mean: Arguments `values` and `labels` must have the same "
            f"number of rows. Received: {len(values)} and {len(labels)}"
        )
    n_classes = values.shape[1] if n_classes is None else int(n_classes)
    if not 1 <= n_classes <= values.shape[1]:
        raise ValueError(
            "own_class_mean: Argument `n_classes` must lie in [1, "
            f"values.shape[1]] = [1, {values.shape[1]}]. Received: n_classes={n_classes}"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"own_class_mean: Argument `labels` must lie in [0, {n_classes}). "
            f"Received: labels in [{labels.min()}, {labels.max()}]"
        )
    out = np.full(n_classes, np.nan)
    for k in range(n_classes):
        mask = labels == k
        if mask.any():
            out[k] = values[mask, k].mean()
    return out
