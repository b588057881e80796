"""tile_raster_images, plot_tiles and plot_digits."""

import numpy as np
import pytest

from daekeras import plot_digits
from daekeras import plot_tiles
from daekeras import tile_raster_images


def expected_shape(img_shape, tile_shape, spacing):
    (h, w), (rows, cols), (sv, sh) = img_shape, tile_shape, spacing
    return ((h + sv) * rows - sv, (w + sh) * cols - sh)


@pytest.mark.parametrize(
    "img_shape, tile_shape, spacing",
    [((28, 28), (10, 10), (1, 1)), ((4, 3), (2, 5), (1, 1)), ((5, 5), (3, 2), (2, 3)),
     ((6, 4), (1, 1), (1, 1)), ((3, 3), (2, 2), (0, 0))],
)
def test_output_shape(img_shape, tile_shape, spacing, rng):
    n = tile_shape[0] * tile_shape[1]
    X = rng.normal(size=(n, img_shape[0] * img_shape[1]))
    out = tile_raster_images(X, img_shape, tile_shape, tile_spacing=spacing)
    assert out.shape == expected_shape(img_shape, tile_shape, spacing)
    assert out.dtype == np.uint8


def test_default_spacing_is_one_pixel(rng):
    X = rng.normal(size=(6, 12))
    assert tile_raster_images(X, (3, 4), (2, 3)).shape == (3 * 2 + 1, 4 * 3 + 2)


def tiles_and_gaps(out, img_shape, tile_shape, spacing=(1, 1)):
    (h, w), (rows, cols), (sv, sh) = img_shape, tile_shape, spacing
    tiles = {}
    gap = np.ones(out.shape, bool)
    for r in range(rows):
        for c in range(cols):
            top, left = r * (h + sv), c * (w + sh)
            tiles[r * cols + c] = out[top : top + h, left : left + w]
            gap[top : top + h, left : left + w] = False
    return tiles, out[gap]


def test_each_tile_is_min_max_scaled_and_gaps_are_black(rng):
    img_shape, tile_shape = (5, 4), (3, 4)
    # Rows of very different scales and offsets.
    X = rng.normal(size=(12, 20)) * np.logspace(-3, 3, 12)[:, None] + np.arange(12)[:, None] * 100
    out = tile_raster_images(X, img_shape, tile_shape)
    tiles, gaps = tiles_and_gaps(out, img_shape, tile_shape)
    assert gaps.size > 0 and np.all(gaps == 0)
    for i, tile in tiles.items():
        assert tile.min() == 0 and tile.max() == 255, i
        row = X[i].reshape(img_shape)
        np.testing.assert_array_equal(np.argmax(tile), np.argmax(row))
        scaled = (row - row.min()) / (row.max() - row.min()) * 255
        assert np.all(np.abs(tile.astype(float) - scaled) <= 0.5 + 1e-6)


def test_unscaled_rows_are_clipped(rng):
    X = np.array([[-1.0, 0.0, 0.5, 2.0]])
    out = tile_raster_images(X, (2, 2), (1, 1), scale_rows_to_unit_interval=False)
    np.testing.assert_array_equal(out, [[0, 0], [128, 255]])


def test_fewer_images_than_tiles_leave_black_tiles(rng):
    X = rng.normal(size=(3, 4))
    out = tile_raster_images(X, (2, 2), (2, 2))
    tiles, _ = tiles_and_gaps(out, (2, 2), (2, 2))
    assert tiles[2].max() == 255 and np.all(tiles[3] == 0)


def test_extra_images_are_ignored(rng):
    X = rng.normal(size=(10, 4))
    np.testing.assert_array_equal(
        tile_raster_images(X, (2, 2), (2, 2)), tile_raster_images(X[:4], (2, 2), (2, 2))
    )


def test_constant_tile_is_black():
    out = tile_raster_images(np.full((1, 4), 7.0), (2, 2), (1, 1))
    np.testing.assert_array_equal(out, 0)


@pytest.mark.parametrize("shape", [(16,), (2, 4, 4)])
def test_wrong_rank_of_X(shape):
    with pytest.raises(ValueError, match=r"`X` of rank 2.*Received: X with shape \("):
        tile_raster_images(np.zeros(shape), (4, 4), (1, 2))


def test_size_mismatch():
    with pytest.raises(ValueError, match=r"= 16 values.*Received: X with shape \(2, 15\)"):
        tile_raster_images(np.zeros((2, 15)), (4, 4), (1, 2))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"img_shape": (4,)}, r"`img_shape`.*img_shape=\(4,\)"),
        ({"img_shape": None}, r"`img_shape`.*img_shape=None"),
        ({"tile_shape": (2,)}, r"`tile_shape`.*tile_shape=\(2,\)"),
        ({"tile_shape": (1, 2, 3)}, r"`tile_shape`.*tile_shape=\(1, 2, 3\)"),
        ({"tile_shape": (-1, 2)}, r"`tile_shape`.*tile_shape=\(-1, 2\)"),
        ({"tile_spacing": (1, -1)}, r"`tile_spacing`.*tile_spacing=\(1, -1\)"),
        ({"tile_spacing": 1}, r"`tile_spacing`.*tile_spacing=1"),
        # Not pairs of integers at all: the message still names the argument.
        ({"tile_shape": "ab"}, r"`tile_shape`.*tile_shape='ab'"),
        ({"tile_shape": (0, 2)}, r"`tile_shape`.*tile_shape=\(0, 2\)"),
    ],
)
def test_invalid_pairs(kwargs, message):
    arguments = {"img_shape": (4, 4), "tile_shape": (1, 2), **kwargs}
    with pytest.raises(ValueError, match=message):
        tile_raster_images(np.zeros((2, 16)), **arguments)


def test_plot_tiles(rng, close_figures):
    import matplotlib.pyplot as plt

    ax = plot_tiles(rng.normal(size=(4, 784)), tile_shape=(2, 2), title="filters")
    assert ax.get_title() == "filters"
    image = ax.images[0].get_array()
    assert image.shape == (57, 57)
    _, other = plt.subplots()
    assert plot_tiles(rng.normal(size=(4, 9)), img_shape=(3, 3), tile_shape=(2, 2), ax=other) is other


def test_plot_digits(rng, close_figures):
    rows = [rng.random((5, 784)), rng.random((5, 784))]
    fig = plot_digits(rows, labels=["clean", "noisy"])
    assert len(fig.axes) == 10
    assert fig.axes[0].get_ylabel() == "clean"
    assert fig.axes[5].get_ylabel() == "noisy"
    fig.canvas.draw()
