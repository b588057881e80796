"""The README's example of reusing the layers runs as written."""

import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_runs_and_ties_the_decoder():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README.md has no ```python example"
    x = np.random.default_rng(0).random((40, 784)).astype("float32")
    namespace = {"x": x}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    dae = namespace["dae"]
    # One kernel (the encoder's), the encoder bias, the decoder bias.
    assert sorted(tuple(w.shape) for w in dae.trainable_weights) == [(500,), (784,), (784, 500)]
    z = np.asarray(dae.predict(x, verbose=0))
    assert z.shape == x.shape and np.all((z > 0) & (z < 1))
