"""The book's experiments, one module each, and the registry the command line reads.

Every experiment module has the same interface:

- `NAME`: its subcommand of `python -m daekeras`; `HELP`: its one-line help;
- `Config`: a frozen dataclass, the settings of one run, defaults the original's;
- `run(config, seed) -> dict`: one run from one root seed, as stored in `results/`;
- `add_arguments(parser)` and `config_from_args(args)`: its command-line options,
  and the `Config` they give (or a tuple of them: a sweep, run in order,
  each for every seed);
- `RUN_KEYS`: the fields of a record that identify a run when results files
  are merged (`daekeras.results.merge_runs`).

Optional: `progress(config, seed, record)` and `announce(config, seed)` (the
progress lines after and before a run), `run_options(args, config, seed,
several, log)` (extra keyword arguments of `run`), `OUTPUT_OPTIONS` (options
naming files to check before training: `(option, attribute)` pairs) and
`result_fields(runs)` (fields of the command's result besides its runs).

Adding an experiment is adding its module and one line to `EXPERIMENTS`.
The modules import Keras and NumPy only when a run starts, so the command
line answers `--help` at once.

The names the chapters import from here (`toolbox_run`, `theano_run`,
`mnist_vectors`, ...) stay importable from this package.
"""

import importlib
import json  # noqa: F401  (kept: tests patch `daekeras.experiments.json.dump`)

from daekeras.experiments import dropout
from daekeras.experiments import noise
from daekeras.experiments import score
from daekeras.experiments import sda
from daekeras.experiments import theano
from daekeras.experiments import toolbox
from daekeras.experiments.dropout import DROPOUT_CONDITIONS
from daekeras.experiments.theano import theano_run
from daekeras.experiments.toolbox import TORNADOMEET_2013_RUNS
from daekeras.experiments.toolbox import run_streams
from daekeras.experiments.toolbox import toolbox_run
from daekeras.results import environment
from daekeras.results import load_results
from daekeras.results import write_json_atomic

#: The experiments of the command line, by subcommand.
EXPERIMENTS = {module.NAME: module for module in (toolbox, theano, dropout, noise, sda, score)}

#: Names that live elsewhere and import Keras or NumPy, served on first use.
_ELSEWHERE = {
    "mnist_vectors": "daekeras.data",
    "one_hot": "daekeras.data",
    "STEPS_PER_EXECUTION": "daekeras.training",
    "EpochCostLogger": "daekeras.training",
}

__all__ = [
    "DROPOUT_CONDITIONS", "EXPERIMENTS", "TORNADOMEET_2013_RUNS", "environment", "load_results",
    "run_streams", "theano_run", "toolbox_run", "write_json_atomic", *_ELSEWHERE,
]


def __getattr__(name):
    if name in _ELSEWHERE:
        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
