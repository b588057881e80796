"""The setting of the `>>>` examples in the docstrings of daekeras.

`make test-unit` and `make test-jax` run them with pytest's own doctest
collector, once per backend:

    python -m pytest --doctest-modules daekeras

(option flags: `doctest_optionflags` in pyproject.toml). Each example sees
what a reader has after `import keras, numpy as np, daekeras` and
`from daekeras import *`, in a fresh Keras session, so that automatic layer
names (`dense_transpose`) are those of a new interpreter. The fixtures here
touch the doctests only; the unit tests have their own in tests/conftest.py.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("DAEKERAS_OFFLINE", "1")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PACKAGE = Path(__file__).resolve().parent / "daekeras"

# Not collected for their examples: the command line (pytest leaves
# `__main__.py` out anyway) and the deprecated aliases, which warn on import
# (warnings are errors); the examples of what they re-export run from
# daekeras/experiments/noise.py and daekeras/experiments/score.py.
collect_ignore = [
    "daekeras/__main__.py",
    "daekeras/noise_study.py",
    "daekeras/score_experiment.py",
]


@pytest.fixture(autouse=True)
def _doctest_setting(request):
    """The namespace and a fresh Keras session of each example of daekeras/."""
    if not request.node.path.is_relative_to(PACKAGE):
        return
    import keras
    import numpy as np

    import daekeras

    namespace = request.getfixturevalue("doctest_namespace")
    namespace.update(keras=keras, np=np, daekeras=daekeras)
    namespace.update({name: getattr(daekeras, name) for name in daekeras.__all__})
    keras.backend.clear_session()
