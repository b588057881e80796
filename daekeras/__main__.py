"""Command line: `python -m daekeras {exp1,exp2,dropout,noise,sda,score} ...`.

One subcommand per experiment of `daekeras.experiments.EXPERIMENTS`, whose
modules declare their options, settings and checks; this module only runs
them: seeds, progress, `--json`, `--out` and resuming.

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

from daekeras.experiments import EXPERIMENTS
from daekeras.experiments import arguments

PROG = "python -m daekeras"

#: Arguments that change what is printed or where it goes, not the runs.
_OUTPUT_ONLY = ("json", "out", "overwrite", "quiet", "resume", "changed_code")

#: The fields that identify a run of each command in a results file: its
#: settings and seed, everything but its results (`daekeras.results.merge_runs`).
RUN_KEYS = {name: module.RUN_KEYS for name, module in EXPERIMENTS.items()}

#: Fields of a run that may differ when it is run again: its times, and where
#: its filter image or file was written (`--filters`).
_NOT_COMPARED = ("seconds", "pretrain_seconds", "finetune_seconds", "train_seconds",
                 "sample_seconds", "filters_image", "filters_file")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, without the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


class UsageError(ValueError):
    """A problem with the command's arguments or files, found before training."""


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
        p.add_argument("--seeds", type=arguments.seed, nargs="+", default=[0], metavar="SEED",
                       help="seeds to run, one run per seed and setting (default: 0)")
        p.add_argument("--seed", type=arguments.seed, dest="seeds", nargs=1, metavar="SEED",
                       help="a single seed (same as --seeds SEED)")
        p.add_argument("--n-train", type=arguments.count, default=None, metavar="N",
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

    for name, module in EXPERIMENTS.items():
        p = sub.add_parser(name, help=module.HELP)
        module.add_arguments(p)
        common(p)
    return parser


def _progress(args, message):
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


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
    """The runs of a command, in order: `(config, seed)` pairs, every seed of
    each of the experiment's configs in turn."""
    configs = EXPERIMENTS[args.command].config_from_args(args)
    if not isinstance(configs, (tuple, list)):
        configs = (configs,)
    return [(config, seed) for config in configs for seed in args.seeds]


def _job_fields(config, seed, run_keys):
    """The fields of a run's record that `config` and `seed` decide, as JSON
    values (a tuple setting is the list its record holds)."""
    import dataclasses

    fields = {k: v for k, v in dataclasses.asdict(config).items() if k in run_keys and v is not None}
    return json.loads(json.dumps({**fields, "seed": seed}))


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
        if key == "environment" and isinstance(stored.get(key), dict):
            # Compared on the fields the sidecar has (one written before the
            # CPU was recorded has none).
            from daekeras.results import environment_differences

            differs = bool(environment_differences(stored[key], expected[key]))
        else:
            differs = stored.get(key) != expected[key]
        if differs:
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
    options = getattr(EXPERIMENTS[args.command], "OUTPUT_OPTIONS", ())
    paths = [("--out", args.out)] + [(option, getattr(args, name)) for option, name in options]
    for option, path in paths:
        if path:
            created += check_output_path(path, option)
    try:
        plan(args)  # settings the experiment refuses fail here, before Keras is imported
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
    from daekeras import results
    from daekeras.runtime import configure_determinism
    from daekeras.runtime import configure_threads

    configure_threads()  # before TensorFlow's first operation
    configure_determinism()  # before JAX first uses a device

    module = EXPERIMENTS[args.command]
    jobs = plan(args)
    keys = [_job_fields(config, seed, module.RUN_KEYS) for config, seed in jobs]
    runs = []
    sidecar = None
    if args.out:
        sidecar = partial_path(args.out)
        header = {
            "experiment": args.command,
            "settings": json.loads(json.dumps(settings(args))),
            "code": code_fingerprint(),
            "environment": json.loads(json.dumps(results.environment())),
        }
        if args.resume:
            runs = load_partial(sidecar, header, changed_code=args.changed_code)
            if len(runs) > len(jobs) or not all(map(_matches, runs, keys)):
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
        for config, seed in jobs[len(runs):]:
            runs.append(_run_one(args, module, config, seed, several, log))
            if sidecar is not None:
                results.write_json_atomic({**header, "runs": runs}, sidecar)
    except KeyboardInterrupt:
        if sidecar is not None and runs:
            _progress(args, f"{len(runs)} of {len(jobs)} runs are kept in {sidecar}; "
                      "the same command finishes the rest")
        raise

    result = {"experiment": args.command, "runs": runs}
    if hasattr(module, "result_fields"):
        result.update(module.result_fields(runs))
    if args.out:
        try:
            merged = results.merge_runs(
                args.out, args.command, runs, f"{PROG} " + " ".join(argv), RUN_KEYS[args.command],
                overwrite=args.overwrite, same={"environment": results.environment()},
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


def _run_one(args, module, config, seed, several, log):
    """Make the run of `config` from `seed` and return its record."""
    if hasattr(module, "announce"):
        _progress(args, module.announce(config, seed))
    options = module.run_options(args, config, seed, several, log) if hasattr(module, "run_options") else {}
    record = module.run(config, seed, **options)
    if hasattr(module, "progress"):
        _progress(args, module.progress(config, seed, record))
    else:
        _progress(args, f"{module.NAME} seed={seed} ({record.get('seconds', 0):.1f} s)")
    return record


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
