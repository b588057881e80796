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


def test_backends_section_names_targets_that_exist():
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Backends\n", 1)[1].split("\n## ", 1)[0]
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"`make\s+([\w-]+)`", section))
    assert {"test-jax", "test-unit", "test-gpu-fallback"} <= targets
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), target
    assert (ROOT / "benchmarks" / "gpu_check.sh").exists()
    assert (ROOT / "tests" / "test_backend_parity.py").exists()
    rows = {line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")}
    assert {"TensorFlow", "JAX (CPU)", "PyTorch"} <= rows
