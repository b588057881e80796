"""Deprecated: Chapter 9's runs are `daekeras.experiments.score` (`python -m daekeras score`).

This module re-exports its names for code written against the old path, and
`python -m daekeras.score_experiment ARGS` runs `python -m daekeras score ARGS`.
"""

import warnings

from daekeras.experiments.score import NAME  # noqa: F401
from daekeras.experiments.score import RUN_KEYS  # noqa: F401
from daekeras.experiments.score import Config  # noqa: F401
from daekeras.experiments.score import add_arguments  # noqa: F401
from daekeras.experiments.score import config_from_args  # noqa: F401
from daekeras.experiments.score import load_data  # noqa: F401
from daekeras.experiments.score import run  # noqa: F401
from daekeras.experiments.score import train_classifier  # noqa: F401
from daekeras.experiments.score import train_denoiser  # noqa: F401

warnings.warn(
    "daekeras.score_experiment is deprecated; import from daekeras.experiments.score instead "
    "(and run `python -m daekeras score`).",
    DeprecationWarning,
    stacklevel=2,
)


def main(argv=None):
    """`python -m daekeras.score_experiment ARGS`: `python -m daekeras score ARGS`."""
    import sys

    from daekeras.__main__ import main as daekeras_main

    return daekeras_main(["score", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
