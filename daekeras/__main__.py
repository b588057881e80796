"""Command line: `python -m daekeras {exp1,exp2,dropout,noise} ...`.

Progress goes to stderr; with `--json` the last line of stdout is one JSON
object with every run; with `--out PATH` the runs (with the command and the
versions that produced them) are merged into the results file PATH
(`daekeras.results.merge_runs`): the runs it holds are kept, a run it holds
already must come out the same, and `--overwrite` replaces it instead.

Every output path is checked before any training starts. While a run with
`--out PATH` is under way, the runs finished so far are kept in
`PATH.partial` (rewritten atomically after each run); the same command run
again after an interruption skips them and finishes the rest, and the
sidecar is removed once PATH is written.

Keras is imported only when a run starts: `--help`, `--version` and argument
errors answer at once.
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

PROG = "python -m daekeras"

#: The conditions of the dropout comparison, by name; the same keys, in the
#: same order, as `daekeras.experiments.DROPOUT_CONDITIONS` (not imported
#: here: that would import Keras).
DROPOUT_CONDITION_NAMES = ("random", "ae", "dae", "dropout", "dae+dropout")

#: The corruption kinds and energies of the noise study; the same as
#: `daekeras.noise_study.KINDS` and `ENERGIES` (not imported here either).
NOISE_KINDS = ("none", "masking", "salt_and_pepper", "gaussian")
NOISE_ENERGIES = (0.1, 0.25, 0.4, 0.55, 0.7)

#: Arguments that change what is printed or where it goes, not the runs.
_OUTPUT_ONLY = ("json", "out", "overwrite", "quiet", "resume", "changed_code")

#: The fields that identify a run of each command in a results file: its
#: settings and seed, everything but its results (`daekeras.results.merge_runs`).
RUN_KEYS = {
    "exp1": ("masking", "seed", "pretrain", "dropout", "pretrain_epochs", "finetune_epochs", "n_train"),
    "exp2": ("corruption", "seed", "epochs", "n_train", "batch_size", "learning_rate"),
    "dropout": ("condition", "finetune_epochs", "seed", "masking", "pretrain", "dropout",
                "pretrain_epochs", "n_train"),
    "noise": ("corruption", "level", "seed", "epochs", "n_train", "n_probe", "batch_size",
              "learning_rate", "hidden_units"),
}

#: Fields of a run that may differ when it is run again: its time, and where
#: its filter image was written (`--filters`).
_NOT_COMPARED = ("seconds", "filters_image")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, without the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


class UsageError(ValueError):
    """A problem with the command's arguments or files, found before training."""


def _typed(convert, accept, expected):
    """An argparse type: `convert` the text, then check it with `accept`."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
        return value

    return parse


_rate = _typed(float, lambda v: 0.0 <= v < 1.0, "a number in [0, 1)")
_count = _typed(int, lambda v: v >= 1, "a positive integer")


def _seed(text):
    from daekeras.seeds import MAX_ROOT_SEED

    return _typed(int, lambda v: 0 <= v <= MAX_ROOT_SEED, f"an integer in [0, {MAX_ROOT_SEED}]")(text)


def _version():
    from daekeras import __version__

    return f"daekeras {__version__}"


def build_parser():
    parser = _Parser(
        prog=PROG,
        description="Run the experiments of the daekeras book.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p):
        p.add_argument("--seeds", type=_seed, nargs="+", default=[0], metavar="SEED",
                       help="seeds to run, one run per seed and setting (default: 0)")
        p.add_argument("--seed", type=_seed, dest="seeds", nargs=1, metavar="SEED",
                       help="a single seed (same as --seeds SEED)")
        p.add_argument("--n-train", type=_count, default=None, metavar="N",
                       help="train on the first N images only (default: the experiment's set)")
        p.add_argument("--json", action="store_true",
                       help="print one JSON object with every run on stdout's last line")
        p.add_argument("--out", metavar="PATH",
                       help="also write the runs, with provenance, to the results file PATH "
                       "(atomically). An existing PATH is merged into: its runs are kept, new "
                       "runs are added, and a run it holds already must come out the same "
                       "(else the command fails naming both values); a file of another "
                       "experiment or environment is refused. Missing folders of PATH are "
                       "created. The path is checked before any training. The runs finished "
                       "so far are kept in PATH.partial; after an interruption, the same "
                       "command skips them and finishes the rest")
        p.add_argument("--overwrite", action="store_true",
                       help="with --out: replace PATH by this command's runs instead of merging "
                       "them into it")
        p.add_argument("--no-resume", dest="resume", action="store_false",
                       help="with --out: discard the runs kept in PATH.partial and start afresh")
        p.add_argument("--resume-changed-code", dest="changed_code", action="store_true",
                       help="with --out: resume even if daekeras's sources changed since the runs "
                       "in PATH.partial were made (those runs keep the older code's results; "
                       "the flag stays in the recorded command)")
        p.add_argument("--quiet", action="store_true", help="no progress output on stderr")

    p1 = sub.add_parser(
        "exp1",
        help="DeepLearnToolbox stacked denoising autoencoder 784-100-100-10",
        description="Experiment 1: greedy pretraining of two untied sigmoid autoencoders "
        "(784-100-784, 100-100-100) with masking, then fine-tuning of 784-100-100-10; "
        "SGD lr 1, momentum 0.5, batch 100, ½·SSE. Reports the test error.",
    )
    p1.add_argument("--masking", type=_rate, nargs="+", default=[0.0, 0.5], metavar="P",
                    help="masking fraction(s) during pretraining (default: 0 0.5)")
    p1.add_argument("--pretrain-epochs", type=_count, default=1, metavar="N",
                    help="epochs per autoencoder (default: 1)")
    p1.add_argument("--finetune-epochs", type=_count, default=1, metavar="N",
                    help="fine-tuning epochs (default: 1)")
    common(p1)

    p2 = sub.add_parser(
        "exp2",
        help="Theano dA tutorial: 784-500 tied-weight denoising autoencoder",
        description="Experiment 2: 784-500 tied sigmoid dA, cross-entropy summed over "
        "pixels, SGD lr 0.1, batch 20, no shuffling, first 50,000 training images. "
        "Prints the mean cost of every epoch.",
    )
    p2.add_argument("--corruption", type=_rate, nargs="+", default=[0.3], metavar="P",
                    help="corruption level(s) (default: 0.3)")
    p2.add_argument("--epochs", type=_count, default=15, metavar="N",
                    help="training epochs (default: 15)")
    p2.add_argument("--filters", metavar="PATH",
                    help="write the first 100 filters as a 10x10 tile image (PNG) to PATH; "
                    "with several runs, the seed and corruption are added to the name. "
                    "Missing folders are created")
    common(p2)

    p3 = sub.add_parser(
        "dropout",
        help="dropout (hidden, fine-tuning) against denoising (input, pretraining)",
        description="The Experiment 1 network under several conditions: "
        + ", ".join(DROPOUT_CONDITION_NAMES) + ".",
    )
    p3.add_argument("--conditions", nargs="+", choices=list(DROPOUT_CONDITION_NAMES),
                    default=list(DROPOUT_CONDITION_NAMES), metavar="NAME",
                    help="conditions to run (default: all of " + ", ".join(DROPOUT_CONDITION_NAMES) + ")")
    p3.add_argument("--finetune-epochs", type=_count, nargs="+", default=[1], metavar="N",
                    help="fine-tuning budget(s) in epochs (default: 1)")
    common(p3)

    p4 = sub.add_parser(
        "noise",
        help="noise kinds and levels: filters, linear probe, reconstruction",
        description="The 784-500 tied sigmoid autoencoder of exp2 (summed cross-entropy, SGD "
        "lr 0.1, batch 20, a seeded shuffle every epoch, first 20,000 training images by "
        "default) trained without noise and with each corruption kind at the levels whose "
        "corruption energy E||x~ - x||^2 / E||x||^2 on MNIST is each of --energies. Each run "
        "reports filter statistics, the test error of a logistic regression on the frozen "
        "hidden code, and the clean reconstruction error.",
    )
    p4.add_argument("--kinds", nargs="+", choices=list(NOISE_KINDS), default=list(NOISE_KINDS),
                    metavar="KIND",
                    help="corruption kinds (default: all of " + ", ".join(NOISE_KINDS) + "; "
                    "'none' is the one setting without noise)")
    p4.add_argument("--energies", type=_rate, nargs="+", default=list(NOISE_ENERGIES), metavar="E",
                    help="corruption energies every kind is matched to (default: "
                    + " ".join(f"{e:g}" for e in NOISE_ENERGIES) + "; for masking E is the rate)")
    p4.add_argument("--epochs", type=_count, default=2, metavar="N",
                    help="training epochs (default: 2)")
    p4.add_argument("--n-probe", type=_count, default=5000, metavar="N",
                    help="training images of the linear probe, from image 50,000 on (default: 5000)")
    common(p4)
    return parser


def _progress(args, message):
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def _filters_path(path, run, several):
    if not several:
        return path
    root, ext = os.path.splitext(path)
    return f"{root}_seed{run['seed']}_c{run['corruption']:g}{ext or '.png'}"


# -- Output paths, checked before any training --------------------------------


def check_output_path(path, option):
    """Make sure a file can be written at `path`, before any work is done.

    Missing folders are created (and listed in the returned list, so that a
    run that fails before writing anything can remove them again). A file
    is created and deleted in the target folder to prove that it is
    writable. An existing directory, an existing file without write
    permission, or a folder that cannot be made or written raises
    `UsageError` naming `option`, the path and the reason.

    Returns:
        The folders created, outermost first.
    """

    def fail(reason):
        raise UsageError(
            f"Argument `{option}` must be a writable file path. "
            f"Received: {option}={str(path)!r}, {reason}"
        )

    path = Path(path)
    if str(path) == "" or path.name in ("", ".", ".."):
        fail("which names no file")
    if path.is_dir():
        fail("which is an existing directory")
    if path.exists() and not os.stat(path).st_mode & 0o200:
        fail(f"an existing read-only file (mode {oct(os.stat(path).st_mode & 0o777)})")
    folder = path.parent
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    if folder.exists() and not folder.is_dir():
        fail(f"whose folder {str(folder)!r} is not a directory")
    created = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        remove_folders(created)
        fail(f"where no file can be written ({error.strerror or error})")
    return created


def remove_folders(folders):
    """Remove `folders` (innermost first) if they are still empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


# -- The runs of a command, and resuming them ---------------------------------


def plan(args):
    """The runs of a command, in order, each as a dict of its settings."""
    if args.command == "exp1":
        return [{"masking": m, "seed": s} for m in args.masking for s in args.seeds]
    if args.command == "exp2":
        return [{"corruption": c, "seed": s} for c in args.corruption for s in args.seeds]
    if args.command == "noise":
        from daekeras.noise_study import noise_plan

        return [{"corruption": p["corruption"], "level": p["level"], "seed": s}
                for p in noise_plan(args.energies, args.kinds) for s in args.seeds]
    return [
        {"finetune_epochs": e, "condition": name, "seed": s}
        for e in args.finetune_epochs for name in args.conditions for s in args.seeds
    ]


def settings(args):
    """The arguments that decide the runs' results, as a JSON-ready dict."""
    return {k: v for k, v in sorted(vars(args).items()) if k not in _OUTPUT_ONLY}


def code_fingerprint():
    """The sha256 of the package's Python sources: the code that made a run."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    return digest.hexdigest()


def partial_path(out):
    """Where the runs of an unfinished `--out PATH` command are kept."""
    return Path(str(out) + ".partial")


def load_partial(path, expected, changed_code=False):
    """The runs kept in the sidecar `path`, if it belongs to this command.

    `expected` holds the experiment, settings, code fingerprint and
    environment of the current command; a sidecar that differs in any of
    them (but the code, if `changed_code`), or that cannot be read, raises
    `UsageError`: its runs would not be those of this command.
    """
    path = Path(path)
    if not path.exists():
        return []
    remedy = (f"Delete {str(path)!r} or rerun with --no-resume to start afresh, "
              "or rerun the command that made it.")
    try:
        with open(path) as f:
            stored = json.load(f)
    except (OSError, ValueError) as error:
        raise UsageError(
            f"the partial results file {str(path)!r} cannot be read ({error}). {remedy}"
        ) from None
    if not isinstance(stored, dict) or not isinstance(stored.get("runs"), list):
        raise UsageError(
            f"the partial results file {str(path)!r} is not one written by "
            f"{PROG} (expected an object with a list of runs). {remedy}"
        )
    for key in ("experiment", "settings", "code", "environment"):
        if key == "code" and changed_code:
            continue
        if stored.get(key) != expected[key]:
            if key == "code":
                remedy += " If the change cannot alter results, --resume-changed-code resumes."
            raise UsageError(
                f"the partial results file {str(path)!r} does not match this "
                f"command's {key}: expected {key}={expected[key]!r}, received "
                f"{key}={stored.get(key)!r}. {remedy}"
            )
    return stored["runs"]


def _matches(run, job):
    return all(run.get(k) == v for k, v in job.items())


def run(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)

    created = []
    paths = [("--out", args.out)] + [("--filters", getattr(args, "filters", None))]
    for option, path in paths:
        if path:
            created += check_output_path(path, option)
    try:
        if args.out and not args.overwrite:
            _check_merge(args)
        return _run(args, argv)
    except BaseException:
        remove_folders(created)
        raise


def _check_merge(args, environment=None):
    """Refuse, before any training, an `--out` file the runs cannot be merged into."""
    from daekeras import results

    same = None if environment is None else {"environment": environment}
    try:
        results.check_mergeable(args.out, args.command, key_fields=RUN_KEYS[args.command], same=same)
    except ValueError as error:
        raise UsageError(f"{error} (--out {args.out}; nothing was run)") from None


def _run(args, argv):
    from daekeras import experiments
    from daekeras.runtime import configure_threads

    configure_threads()  # before TensorFlow's first operation

    if tuple(experiments.DROPOUT_CONDITIONS) != DROPOUT_CONDITION_NAMES:
        raise RuntimeError("DROPOUT_CONDITION_NAMES is out of date with daekeras.experiments")
    if args.command == "noise":
        from daekeras import noise_study

        if (noise_study.KINDS, noise_study.ENERGIES) != (NOISE_KINDS, NOISE_ENERGIES):
            raise RuntimeError("NOISE_KINDS or NOISE_ENERGIES is out of date with daekeras.noise_study")
    jobs = plan(args)
    runs = []
    sidecar = None
    if args.out:
        sidecar = partial_path(args.out)
        header = {
            "experiment": args.command,
            "settings": json.loads(json.dumps(settings(args))),
            "code": code_fingerprint(),
            "environment": json.loads(json.dumps(experiments.environment())),
        }
        if args.resume:
            runs = load_partial(sidecar, header, changed_code=args.changed_code)
            if len(runs) > len(jobs) or not all(map(_matches, runs, jobs)):
                raise UsageError(
                    f"the partial results file {str(sidecar)!r} holds runs this command "
                    "does not make. Delete it or rerun with --no-resume."
                )
            if runs:
                _progress(args, f"resuming: {len(runs)} of {len(jobs)} runs already done "
                          f"(kept in {sidecar})")
        elif sidecar.exists():
            sidecar.unlink()
        if not args.overwrite:
            _check_merge(args, header["environment"])

    several = len(jobs) > 1
    log = None if args.quiet else sys.stderr
    try:
        for job in jobs[len(runs):]:
            r = _run_one(args, job, experiments, several, log)
            runs.append(r)
            if sidecar is not None:
                experiments.write_json_atomic({**header, "runs": runs}, sidecar)
    except KeyboardInterrupt:
        if sidecar is not None and runs:
            _progress(args, f"{len(runs)} of {len(jobs)} runs are kept in {sidecar}; "
                      "the same command finishes the rest")
        raise

    result = {"experiment": args.command, "runs": runs}
    if args.command == "exp2" and len(runs) == 1:
        result["costs"] = runs[0]["costs"]
    if args.out:
        from daekeras import results

        try:
            merged = results.merge_runs(
                args.out, args.command, runs, f"{PROG} " + " ".join(argv), RUN_KEYS[args.command],
                overwrite=args.overwrite, same={"environment": experiments.environment()},
                fields={k: v for k, v in result.items() if k not in ("experiment", "runs")},
                ignore=_NOT_COMPARED,
            )
        except ValueError as error:
            raise UsageError(
                f"{error} This command's {len(runs)} runs are kept in {str(sidecar)!r}; the "
                f"same command with --overwrite replaces {str(args.out)!r} by them."
            ) from None
        sidecar.unlink(missing_ok=True)
        total = len(merged["runs"])
        _progress(args, f"wrote {args.out} ({total} run{'s' * (total != 1)} in all)")
    if args.json:
        print(json.dumps(result))
    return result


def _run_one(args, job, experiments, several, log):
    """Make the run `job` of the command `args` and return its result."""
    seed = job["seed"]
    if args.command == "exp1":
        masking = job["masking"]
        r = experiments.toolbox_run(
            seed, masking, pretrain_epochs=args.pretrain_epochs,
            finetune_epochs=args.finetune_epochs, n_train=args.n_train,
        )
        _progress(args, f"exp1 masking={masking:g} seed={seed}: test error "
                  f"{100 * r['test_error']:.2f}% ({r['seconds']:.1f} s)")
        return r
    if args.command == "exp2":
        corruption = job["corruption"]
        _progress(args, f"exp2 corruption={corruption:g} seed={seed}")
        kwargs = {} if args.n_train is None else {"n_train": args.n_train}
        r = experiments.theano_run(
            seed, corruption, epochs=args.epochs, log=log,
            return_model=bool(args.filters), **kwargs,
        )
        if args.filters:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from daekeras.plotting import tile_raster_images

            model = r.pop("model")
            kernel = model.encoder.get_weights()[0]
            path = _filters_path(args.filters, r, several)
            image = tile_raster_images(kernel.T, (28, 28), (10, 10))
            plt.imsave(path, image, cmap="gray", vmin=0, vmax=255)
            r["filters_image"] = path
        return r
    if args.command == "noise":
        from daekeras.noise_study import noise_run

        corruption, level = job["corruption"], job["level"]
        kwargs = {} if args.n_train is None else {"n_train": args.n_train}
        r = noise_run(seed, corruption, level, epochs=args.epochs, n_probe=args.n_probe, **kwargs)
        _progress(args, f"noise {corruption} level={level:g} seed={seed}: probe test error "
                  f"{100 * r['probe']['test_error']:.2f}%, clean cross-entropy "
                  f"{r['reconstruction']['cross_entropy']:.2f} ({r['seconds']:.1f} s)")
        return r
    name, epochs = job["condition"], job["finetune_epochs"]
    setting = experiments.DROPOUT_CONDITIONS[name]
    r = experiments.toolbox_run(
        seed, setting["masking"], pretrain=setting["pretrain"],
        dropout=setting["dropout"], finetune_epochs=epochs,
        n_train=args.n_train,
    )
    r["condition"] = name
    _progress(args, f"dropout {name} epochs={epochs} seed={seed}: test error "
              f"{100 * r['test_error']:.2f}% ({r['seconds']:.1f} s)")
    return r


def main(argv=None):
    """Entry point of `python -m daekeras` and the `daekeras` script."""
    try:
        run(argv)
    except (ValueError, TypeError, FileNotFoundError, OSError) as error:
        print(f"{PROG}: error: {error}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
