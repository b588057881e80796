"""The docstrings of daekeras carry `>>>` examples, and `make test` runs them.

pytest's own doctest collector runs the examples (`pytest --doctest-modules
daekeras`, set up by the conftest.py of the repository root); these tests
check that the public API has examples and that both backends run them.
"""

import doctest
import re

import daekeras


def _names_with_examples():
    finder = doctest.DocTestFinder(exclude_empty=True)
    return {test.name.rsplit(".", 1)[-1] for name in daekeras.__all__
            for test in finder.find(getattr(daekeras, name)) if test.examples}


def test_public_api_has_examples():
    names = _names_with_examples()
    for name in ("MaskingNoise", "SaltAndPepperNoise", "UnscaledDropout", "DenseTranspose",
                 "DenoisingAutoencoder", "SummedBinaryCrossentropy", "HalfSumSquaredError",
                 "SigmoidUniform"):
        assert name in names


def test_make_test_runs_the_examples_on_both_backends(root):
    text = (root / "Makefile").read_text()
    doctests = re.search(r"^DOCTESTS := (.*)$", text, re.M).group(1)
    assert doctests.split()[-2:] == ["--doctest-modules", "daekeras"], doctests
    recipes = {
        target: re.search(rf"^{target}:.*\n((?:\t.*\n)*)", text, re.M).group(1)
        for target in ("test-unit", "test-jax")
    }
    assert "\t$(PY) $(DOCTESTS)\n" in recipes["test-unit"], recipes["test-unit"]
    assert "\tKERAS_BACKEND=jax $(PY_JAX) $(DOCTESTS)\n" in recipes["test-jax"], recipes["test-jax"]
