"""The `>>>` examples in the docstrings of daekeras run and print what they say."""

import doctest
import importlib
import pkgutil

import keras
import numpy as np
import pytest

import daekeras


def _modules():
    names = ["daekeras"] + [
        m.name for m in pkgutil.walk_packages(daekeras.__path__, prefix="daekeras.")
        # The deprecated aliases warn on import; their names are those of
        # daekeras.experiments.noise and .score, whose docstrings are run.
        if m.name not in ("daekeras.__main__", "daekeras.noise_study", "daekeras.score_experiment")
    ]
    return [importlib.import_module(name) for name in names]


def _examples():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {}
    for module in _modules():
        for test in finder.find(module):
            if test.examples and test.name not in found:
                found[test.name] = test
    return [found[name] for name in sorted(found)]


EXAMPLES = _examples()


def test_public_api_has_examples():
    names = {test.name.rsplit(".", 1)[-1] for test in EXAMPLES}
    for name in ("MaskingNoise", "SaltAndPepperNoise", "UnscaledDropout", "DenseTranspose",
                 "DenoisingAutoencoder", "SummedBinaryCrossentropy", "HalfSumSquaredError",
                 "SigmoidUniform"):
        assert name in names


@pytest.mark.parametrize("test", EXAMPLES, ids=[t.name for t in EXAMPLES])
def test_docstring_example(test):
    # A fresh Keras session, so that automatic layer names (`dense_transpose`)
    # are the ones a reader sees in a new interpreter.
    keras.backend.clear_session()
    globs = {"keras": keras, "np": np, "daekeras": daekeras}
    globs.update({name: getattr(daekeras, name) for name in daekeras.__all__})
    globs.update(test.globs)
    test.globs = globs
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    output = []
    runner.run(test, out=output.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(output)
