"""Numbers that describe what a filter (a row of Wᵀ) looks like.

The Theano tutorial shows that masking corruption turns noise-like first-layer
filters into strokes and blobs; these statistics turn that picture into numbers.
"""

import math
import numbers

import numpy as np

from daekeras._validation import check_rank
from daekeras._validation import check_rate


def _filters(kernel, img_shape):
    kernel = np.asarray(kernel, dtype="float64")
    check_rank(kernel.shape, 2, "kernel", "filter statistics")
    h, w = img_shape
    if kernel.shape[0] != h * w:
        raise ValueError(
            "filter statistics: Expected `kernel` of shape (height * width, "
            f"units) = ({h * w}, units). Received: kernel with shape {kernel.shape}"
        )
    return kernel.T.reshape(-1, h, w)


def neighbour_correlation(kernel, img_shape=(28, 28)):
    """Correlation of each filter with itself shifted by one pixel.

    The mean of the horizontal and the vertical lag-1 correlation of the
    filter's pixels. It is about 0 for a filter of independent noise and
    approaches 1 for a smooth one (a stroke, a blob).

    Args:
        kernel: Encoder kernel of shape `(height * width, units)`.
        img_shape: `(height, width)` of one filter.

    Returns:
        float array of shape `(units,)`.
    """
    f = _filters(kernel, img_shape)

    def corr(a, b):
        a = a.reshape(len(a), -1)
        b = b.reshape(len(b), -1)
        a = a - a.mean(axis=1, keepdims=True)
        b = b - b.mean(axis=1, keepdims=True)
        denom = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1)) + 1e-12
        return (a * b).sum(axis=1) / denom

    return 0.5 * (corr(f[:, :, :-1], f[:, :, 1:]) + corr(f[:, :-1, :], f[:, 1:, :]))


def energy_concentration(kernel, img_shape=(28, 28), fraction=0.1):
    """Share of each filter's energy (Σw²) held by its strongest pixels.

    For each filter, the pixels are ranked by the absolute value of w and the share of Σw² in the
    top `fraction` of them is returned. For weights uniform on a symmetric
    range (the initialisation) the top 10 % hold about 27 % of the energy;
    a filter whose energy sits on a few strokes holds much more.

    Args:
        kernel: Encoder kernel of shape `(height * width, units)`.
        img_shape: `(height, width)` of one filter.
        fraction: Float in (0, 1], the share of pixels counted.

    Returns:
        float array of shape `(units,)`.
    """
    if not 0 < fraction <= 1:
        raise ValueError(
            "energy_concentration: Argument `fraction` must be in (0, 1]. "
            f"Received: fraction={fraction!r}"
        )
    f = _filters(kernel, img_shape)
    energy = np.sort((f.reshape(len(f), -1)) ** 2, axis=1)[:, ::-1]
    k = max(1, int(round(fraction * energy.shape[1])))
    return energy[:, :k].sum(axis=1) / (energy.sum(axis=1) + 1e-12)


def filter_summary(kernel, img_shape=(28, 28)):
    """Mean and quartiles of both statistics, as a JSON-ready dict."""
    out = {}
    for name, values in (
        ("neighbour_correlation", neighbour_correlation(kernel, img_shape)),
        ("energy_top10", energy_concentration(kernel, img_shape, 0.1)),
    ):
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        out[name] = {
            "mean": float(values.mean()),
            "q1": float(q1),
            "median": float(median),
            "q3": float(q3),
        }
    return out


def _is_real(value):
    """Whether `value` is a finite real number (not a bool)."""
    return (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and math.isfinite(float(value))
    )


#: The radius in pixels of the disk of `energy_localisation` that the book
#: uses (Chapters 5 and 7): about the width of a pen stroke on MNIST.
LOCALISATION_RADIUS = 3

#: A filter is *localised* when more than this share of its learned energy
#: lies within `LOCALISATION_RADIUS` pixels of its centre (`is_localised`).
LOCALISED = 0.5


def energy_localisation(kernel, img_shape=(28, 28), radius=3.0, noise_variance=0.0):
    """Share of each filter's learned energy within `radius` of its centre.

    The energy a filter holds above a noise floor, `e = max(w² - noise_variance, 0)`
    per pixel, is what training added to the initial noise. The function
    returns, for each filter, the share of `Σe` that lies within `radius`
    pixels of the centroid of `e`. A filter whose learned part is one compact
    stroke or blob scores close to 1; a filter that is still noise, or whose
    learned part is spread over the image (or split into distant pieces),
    scores close to the area of the disk over the area of the image (about
    0.04 for `radius=3` on 28×28). A filter with no energy above the floor
    scores 0.

    Pass the variance of the initial weights as `noise_variance` (for weights
    uniform in ±a it is a²/3), so that the initial noise does not count as
    learned energy.

    Args:
        kernel: Encoder kernel of shape `(height * width, units)`.
        img_shape: `(height, width)` of one filter.
        radius: Positive float, the radius of the disk in pixels.
        noise_variance: Non-negative float, the per-pixel energy of the noise
            floor that is removed first. Defaults to `0.0`.

    Returns:
        float array of shape `(units,)`, values in [0, 1].

    Example:

    >>> rows, cols = np.mgrid[:28, :28]
    >>> spot = np.exp(-((rows - 9) ** 2 + (cols - 15) ** 2) / 2.0).reshape(784, 1)
    >>> bool(energy_localisation(spot, radius=3)[0] > 0.99)
    True
    >>> noise = np.random.default_rng(0).uniform(-1, 1, size=(784, 100))
    >>> bool(energy_localisation(noise, radius=3, noise_variance=1 / 3).mean() < 0.1)
    True
    """
    if not _is_real(radius) or radius <= 0:
        raise ValueError(
            "energy_localisation: Argument `radius` must be a positive number. "
            f"Received: radius={radius!r}"
        )
    if not _is_real(noise_variance) or noise_variance < 0:
        raise ValueError(
            "energy_localisation: Argument `noise_variance` must be a non-negative "
            f"number. Received: noise_variance={noise_variance!r}"
        )
    f = _filters(kernel, img_shape)
    excess = np.clip(f * f - float(noise_variance), 0.0, None)
    total = excess.sum(axis=(1, 2))
    rows, cols = np.mgrid[: img_shape[0], : img_shape[1]]
    safe = np.where(total > 0, total, 1.0)
    centre_r = (excess * rows).sum(axis=(1, 2)) / safe
    centre_c = (excess * cols).sum(axis=(1, 2)) / safe
    dist2 = (rows[None] - centre_r[:, None, None]) ** 2 + (cols[None] - centre_c[:, None, None]) ** 2
    inside = (excess * (dist2 <= float(radius) ** 2)).sum(axis=(1, 2))
    return np.where(total > 0, inside / safe, 0.0)


def is_localised(localisation, threshold=LOCALISED):
    """Which filters are localised: their localisation is above `threshold`.

    Args:
        localisation: Values of `energy_localisation`, one per filter.
        threshold: Float in [0, 1). Defaults to `LOCALISED`.

    Returns:
        bool array of the shape of `localisation`.

    Example:

    >>> is_localised([0.9, 0.2, 0.5, 0.51]).tolist()
    [True, False, False, True]
    """
    threshold = check_rate(threshold, "threshold", "is_localised")
    values = np.asarray(localisation, dtype="float64")
    if not np.all(np.isfinite(values)):
        raise ValueError(
            "is_localised: Argument `localisation` must hold finite values, as "
            f"`energy_localisation` returns them. Received: {int(np.sum(~np.isfinite(values)))} "
            "values that are not"
        )
    return values > threshold


def localised_share(localisation, threshold=LOCALISED):
    """The share of localised filters (`is_localised`), a float in [0, 1].

    Args:
        localisation: Values of `energy_localisation`, one per filter (at least one).
        threshold: Float in [0, 1). Defaults to `LOCALISED`.

    Returns:
        A float.

    Example:

    >>> localised_share([0.9, 0.2, 0.5, 0.51])
    0.5
    """
    localised = is_localised(localisation, threshold)
    if localised.size == 0:
        raise ValueError("localised_share: Argument `localisation` must hold at least one value. "
                         "Received: localisation=[]")
    return float(np.mean(localised))
