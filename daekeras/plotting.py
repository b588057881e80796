"""Filter tiles and the small plotting helpers the chapters share."""

import numpy as np

from daekeras._validation import check_rank

# Figure text readable at the book's page width (a 12-inch figure is shown
# about half size): matplotlib's default is 10 points for everything.
BOOK_STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 10,
}


def use_book_style():
    """Set matplotlib's `rcParams` to `BOOK_STYLE` (called by `daekeras.setup`)."""
    import matplotlib

    matplotlib.rcParams.update(BOOK_STYLE)


def _as_pair(value, name, minimum):
    try:
        pair = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2 or min(pair) < minimum:
        kind = "positive" if minimum > 0 else "non-negative"
        raise ValueError(
            f"tile_raster_images: Argument `{name}` must be a pair of "
            f"{kind} integers. Received: {name}={value!r}"
        )
    return pair


def tile_raster_images(
    X, img_shape, tile_shape, tile_spacing=(1, 1), scale_rows_to_unit_interval=True
):
    """Arrange the rows of `X` as images in a grid, like Theano's helper.

    Each row of `X` is one image of `img_shape`; rows fill the grid
    `tile_shape` row by row. With `scale_rows_to_unit_interval` every tile is
    min-max scaled on its own to [0, 1] before it is placed, so a filter's
    sign pattern shows whatever its magnitude. Tiles are separated by
    `tile_spacing` pixels of black (0), as in the Theano `utils.py` the dA
    tutorial uses.

    Args:
        X: Array of shape `(n_images, height * width)`; at most
            `tile_shape[0] * tile_shape[1]` rows are drawn.
        img_shape: `(height, width)` of one image.
        tile_shape: `(rows, columns)` of the grid.
        tile_spacing: Gap in pixels between tiles, `(vertical, horizontal)`.
        scale_rows_to_unit_interval: Min-max scale each tile. Defaults to
            `True`.

    Returns:
        A uint8 array of shape
        `((h + sv) * rows - sv, (w + sh) * columns - sh)`.
    """
    X = np.asarray(X, dtype="float64")
    check_rank(X.shape, 2, "X", "tile_raster_images")
    img_shape = _as_pair(img_shape, "img_shape", 1)
    tile_shape = _as_pair(tile_shape, "tile_shape", 1)
    tile_spacing = _as_pair(tile_spacing, "tile_spacing", 0)
    h, w = img_shape
    if X.shape[1] != h * w:
        raise ValueError(
            "tile_raster_images: each row of `X` must hold "
            f"img_shape[0] * img_shape[1] = {h * w} values. Received: "
            f"X with shape {X.shape}"
        )
    rows, cols = tile_shape
    sv, sh = tile_spacing
    out = np.zeros(((h + sv) * rows - sv, (w + sh) * cols - sh))
    for index in range(min(len(X), rows * cols)):
        tile = X[index].reshape(h, w)
        if scale_rows_to_unit_interval:
            tile = tile - tile.min()
            tile = tile / (tile.max() + 1e-8)
        r, c = divmod(index, cols)
        out[r * (h + sv) : r * (h + sv) + h, c * (w + sh) : c * (w + sh) + w] = tile
    return (np.clip(out, 0, 1) * 255).round().astype(np.uint8)


def plot_tiles(X, img_shape=(28, 28), tile_shape=(10, 10), ax=None, title=None):
    """Draw `tile_raster_images(X, ...)` in grey on a matplotlib axis.

    Args:
        X: Array of shape `(n_images, height * width)`, e.g. the transpose of
            an encoder kernel.
        img_shape: `(height, width)` of one image.
        tile_shape: `(rows, columns)` of the grid.
        ax: Optional matplotlib axis; a new figure is made when omitted.
        title: Optional axis title.

    Returns:
        The matplotlib axis.
    """
    import matplotlib.pyplot as plt

    image = tile_raster_images(X, img_shape, tile_shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_digits(rows, labels=None, img_shape=(28, 28), axes_size=1.2):
    """Draw a grid of images, one row of the grid per entry of `rows`.

    Args:
        rows: Sequence of arrays, each `(n, height * width)` with values in
            [0, 1]; all with the same `n`.
        labels: Optional row labels, drawn at the left.
        img_shape: `(height, width)` of one image.
        axes_size: Size in inches of one image.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt

    n = len(rows[0])
    fig, axes = plt.subplots(
        len(rows), n, figsize=(axes_size * n, axes_size * len(rows)), squeeze=False
    )
    for i, row in enumerate(rows):
        for j in range(n):
            ax = axes[i, j]
            ax.imshow(np.asarray(row[j]).reshape(img_shape), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        if labels is not None:
            axes[i, 0].set_ylabel(labels[i], rotation=0, ha="right", va="center")
    return fig


def glue_figure(name, fig):
    """Show `fig` under the cell that draws it and glue it for the book.

    A reader who runs a chapter in JupyterLab, Colab or Binder sees the
    figure under its cell. The book places the figure once, through
    `{glue:figure}` in the prose: the cells that call this helper carry the
    `remove-output` tag, which hides the output in the page while MyST-NB
    still reads the glued figure from it. Without MyST-NB (a lone notebook
    outside the book) the figure is only displayed. The figure is closed
    afterwards so that the inline backend does not draw it a second time.

    Args:
        name: The glue key the prose refers to.
        fig: A matplotlib `Figure`.
    """
    import matplotlib.pyplot as plt

    try:
        from myst_nb import glue
    except ImportError:
        glue = None
    if glue is not None:
        glue(name, fig, display=True)
    else:
        from IPython.display import display

        display(fig)
    plt.close(fig)
