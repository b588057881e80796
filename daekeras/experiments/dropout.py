"""The dropout comparison: the Experiment 1 network under five conditions.

Each condition sets whether the stack is pretrained, the masking of its
pretraining and the dropout rate of its fine-tuning (`DROPOUT_CONDITIONS`);
every run is a `daekeras.experiments.toolbox.toolbox_run`, with the
condition's name added to its record.
"""

import dataclasses

from daekeras.experiments import arguments
from daekeras.experiments.toolbox import toolbox_run

#: The command line's subcommand.
NAME = "dropout"

#: The one-line help of the subcommand.
HELP = "dropout (hidden, fine-tuning) against denoising (input, pretraining)"

#: The conditions of the dropout comparison: pretraining masking (None: no
#: pretraining) and dropout rate on the hidden layers during fine-tuning.
DROPOUT_CONDITIONS = {
    "random": {"pretrain": False, "masking": 0.0, "dropout": 0.0},
    "ae": {"pretrain": True, "masking": 0.0, "dropout": 0.0},
    "dae": {"pretrain": True, "masking": 0.5, "dropout": 0.0},
    "dropout": {"pretrain": False, "masking": 0.0, "dropout": 0.5},
    "dae+dropout": {"pretrain": True, "masking": 0.5, "dropout": 0.5},
}

#: The fields that identify a run in a results file (`daekeras.results.merge_runs`).
RUN_KEYS = ("condition", "finetune_epochs", "seed", "masking", "pretrain", "dropout",
            "pretrain_epochs", "n_train")


@dataclasses.dataclass(frozen=True)
class Config:
    """The settings of one run of the dropout comparison.

    Attributes:
        condition: A key of `DROPOUT_CONDITIONS`.
        finetune_epochs: Epochs of fine-tuning.
        n_train: Number of training images (the first ones); None: all 60,000.
    """

    condition: str = "dae"
    finetune_epochs: int = 1
    n_train: int | None = None

    def __post_init__(self):
        if not isinstance(self.condition, str):
            raise TypeError(
                f"Argument `condition` must be a string. Received: condition={self.condition!r}"
            )
        if self.condition not in DROPOUT_CONDITIONS:
            raise ValueError(
                f"Argument `condition` must be one of {tuple(DROPOUT_CONDITIONS)}. "
                f"Received: condition={self.condition!r}"
            )


def run(config, seed):
    """One run of `config` from the root `seed`: `toolbox_run`'s record and `condition`."""
    setting = DROPOUT_CONDITIONS[config.condition]
    record = toolbox_run(
        seed, setting["masking"], pretrain=setting["pretrain"], dropout=setting["dropout"],
        finetune_epochs=config.finetune_epochs, n_train=config.n_train,
    )
    record["condition"] = config.condition
    return record


def add_arguments(parser):
    """The options of `python -m daekeras dropout`."""
    names = list(DROPOUT_CONDITIONS)
    parser.description = "The Experiment 1 network under several conditions: " + ", ".join(names) + "."
    parser.add_argument("--conditions", nargs="+", choices=names, default=names, metavar="NAME",
                        help="conditions to run (default: all of " + ", ".join(names) + ")")
    parser.add_argument("--finetune-epochs", type=arguments.count, nargs="+", default=[1], metavar="N",
                        help="fine-tuning budget(s) in epochs (default: 1)")


def config_from_args(args):
    """The runs' settings, budgets outermost, then conditions."""
    return tuple(
        Config(condition=name, finetune_epochs=e, n_train=args.n_train)
        for e in args.finetune_epochs for name in args.conditions
    )


def progress(config, seed, record):
    """The progress line of a finished run."""
    return (f"dropout {config.condition} epochs={config.finetune_epochs} seed={seed}: test error "
            f"{100 * record['test_error']:.2f}% ({record['seconds']:.1f} s)")
