"""Run DeepLearnToolbox's own code under GNU Octave beside daekeras.

The toolbox is not part of this project: give the path of a clone of it
(github.com/rasmusbergpalm/DeepLearnToolbox) with ``--toolbox``. Nothing of it is
copied or modified; ``crosscheck/toolbox_driver.m`` calls its functions.

Commands (each adds its part to the results file, keeping the others)::

    # The experiment, seeds 0-9, masking 0 and 0.5; the draws of seeds 0-4 exported
    python crosscheck/run_toolbox.py runs --toolbox PATH --seeds 0 1 2 3 4 5 6 7 8 9 \
        --export-seeds 0 1 2 3 4 --out results/toolbox_octave.json

    # One Octave run and one daekeras run timed in one sitting
    python crosscheck/run_toolbox.py timing --toolbox PATH --out results/toolbox_octave.json

    # daekeras replays the exported draws, in float64 and float32
    python crosscheck/run_toolbox.py replay --out results/toolbox_octave.json

    # Export the draws of more stored runs (each is run again and must repeat itself)
    python crosscheck/run_toolbox.py export --toolbox PATH --seeds 5 --masking 0 --out results/toolbox_octave.json

    # The small replay case that tests/test_replay.py checks
    python crosscheck/run_toolbox.py small-case --toolbox PATH --seed 1 --n-train 1000

`results/toolbox_octave.json` was made by the first three, in that order. Every
command keeps what the file holds: `runs` merges its runs into the file's
(`daekeras.results.merge_runs`, a run identified by seed, masking, n_train and
layer_sizes: stored runs are kept, a stored run made again must give the same
results, and a file of another Octave, toolbox commit or collapse rule is
refused), and the others set their part of the file under the same lock. A path
that is not a git clone needs ``--toolbox-commit``.

Needs GNU Octave (``octave-cli``) for ``runs``, ``export``, ``timing`` and ``small-case``;
the exported draws (about 55 MB per masked run) go to ``crosscheck/draws/``,
which git ignores.
"""

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DRIVER_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = ROOT / "results" / "toolbox_octave.json"
DEFAULT_DRAWS = DRIVER_DIR / "draws"

EXPERIMENT = "toolbox_octave"
#: What identifies a run of the toolbox in the results file.
RUN_KEYS = ("seed", "masking", "n_train", "layer_sizes")
#: Fields of a run that may differ when it is made again: times (the Octave log
#: prints each epoch's), and whether and where its draws were exported.
NOT_COMPARED = ("seconds", "process_seconds", "octave_log", "exported", "draws_equal_run")


def log(message):
    print(message, file=sys.stderr, flush=True)


def write_mnist(directory):
    """The toolbox's arrays, from the vendored MNIST: uint8 rows, labels 0-9."""
    with np.load(ROOT / "data" / "mnist.npz") as d:
        d["x_train"].reshape(len(d["x_train"]), -1).tofile(directory / "train_x.u8")
        d["x_test"].reshape(len(d["x_test"]), -1).tofile(directory / "test_x.u8")
        d["y_train"].astype("uint8").tofile(directory / "train_labels.u8")
        d["y_test"].astype("uint8").tofile(directory / "test_labels.u8")


def octave_run(octave, toolbox, datadir, seed, masking, n_train=60000, hidden=(100, 100), export=None):
    """One run of toolbox_driver.m in a fresh Octave process; returns its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run.json"
        call = "toolbox_driver({}, {}, {}, {}, {!r}, {}, [{}], {})".format(
            _octave_str(toolbox), _octave_str(datadir), _octave_str(out), int(seed), float(masking),
            int(n_train), " ".join(str(int(h)) for h in hidden), _octave_str(export or ""),
        )
        cmd = [octave, "--norc", "--quiet", "--no-window-system", "--path", str(DRIVER_DIR), "--eval", call]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError(f"Octave failed ({proc.returncode}) on {call}:\n{proc.stdout}\n{proc.stderr}")
        result = json.loads(out.read_text())
        result["process_seconds"] = round(time.perf_counter() - start, 2)
        result["octave_log"] = [line for line in proc.stdout.splitlines() if line.startswith("epoch")]
        return result


def _octave_str(path):
    return "'" + str(path).replace("'", "''") + "'"


def octave_version(octave):
    out = subprocess.run([octave, "--version"], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[0].strip()


def toolbox_commit(toolbox, given):
    if given:
        return given
    try:
        return subprocess.run(
            ["git", "-C", str(toolbox), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sys.exit(
            f"run_toolbox.py: {toolbox} is not a git clone; give its commit with --toolbox-commit "
            "(e.g. --toolbox-commit 5df2801)."
        )


def machine():
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "system": f"{platform.system()} {platform.release()}"}


def read_results(path):
    """The results file at `path` (`daekeras.results.load_results`), or a new one without runs."""
    from daekeras.results import load_results

    path = Path(path)
    return load_results(path, experiment=EXPERIMENT) if path.is_file() else {"experiment": EXPERIMENT, "runs": []}


def update_results(path, change, quiet=False):
    """Apply `change(results)` to the file at `path` and write it back atomically, under its lock.

    The file is read again once the lock is held (`daekeras.results.update_results`),
    so that runs merged into it meanwhile are kept.
    """
    from daekeras.results import update_results as update

    def checked(results):
        if results.get("experiment", EXPERIMENT) != EXPERIMENT:
            raise ValueError(f"run_toolbox.py: {path} holds experiment={results['experiment']!r}, "
                             f"not {EXPERIMENT!r}")
        change(results)

    update(path, checked, default={"experiment": EXPERIMENT, "runs": []})
    if not quiet:
        log(f"wrote {path}")


def command_line():
    return " ".join(shlex.quote(a) for a in ["python", "crosscheck/run_toolbox.py", *sys.argv[1:]])


def cmd_runs(args):
    from daekeras.collapse import starved_classes
    from daekeras.results import check_mergeable
    from daekeras.results import merge_runs

    with np.load(ROOT / "data" / "mnist.npz") as d:
        true_counts = np.bincount(d["y_test"], minlength=10)
    # The file's runs are kept; these must hold for every one of them.
    same = {
        "octave": octave_version(args.octave),
        "toolbox": {"repository": "github.com/rasmusbergpalm/DeepLearnToolbox",
                    "commit": toolbox_commit(args.toolbox, args.toolbox_commit)},
        "collapse_rule": "daekeras.collapse.starved_classes(predicted_counts, test class counts), threshold 0.5",
    }
    check_mergeable(args.out, EXPERIMENT, key_fields=RUN_KEYS, same=same)  # before any run
    runs = []
    with tempfile.TemporaryDirectory() as datadir:
        write_mnist(Path(datadir))
        for masking in args.masking:
            for seed in args.seeds:
                export = None
                if seed in args.export_seeds:
                    export = Path(args.draws) / f"seed{seed}_masking{masking:g}"
                    shutil.rmtree(export, ignore_errors=True)
                run = octave_run(args.octave, args.toolbox, datadir, seed, masking, export=export)
                run["starved"] = starved_classes(run["predicted_counts"], true_counts)
                run["collapsed"] = bool(run["starved"])
                if export is not None:
                    if not run.get("draws_equal_run"):
                        raise RuntimeError(f"seed {seed}, masking {masking}: the re-drawn sequence "
                                           "does not end in the generator state of the run")
                    run["exported"] = str(export.relative_to(ROOT) if export.is_relative_to(ROOT) else export)
                runs.append(run)
                log(f"masking {masking:g}, seed {seed}: test error {100 * run['test_error']:.2f} %"
                    f"{'  collapsed ' + str(run['starved']) if run['collapsed'] else ''}"
                    f"  ({run['seconds']:.1f} s)")
                # After every run, so that an interruption keeps the finished runs.
                merged = merge_runs(args.out, EXPERIMENT, [run], command_line(), RUN_KEYS,
                                    same=same, fields={"machine": machine()}, ignore=NOT_COMPARED)
    log(f"wrote {args.out} ({len(runs)} runs of this command, {len(merged['runs'])} in all)"
        if runs else f"run_toolbox.py runs: nothing to run for {args.out}")


def cmd_export(args):
    """Run stored seeds again with --export-seeds' export; the run must repeat itself."""
    results = read_results(args.out)
    exported = {}
    stored = {(run["seed"], run["masking"]): run for run in results.get("runs", [])}
    with tempfile.TemporaryDirectory() as datadir:
        write_mnist(Path(datadir))
        for masking in args.masking:
            for seed in args.seeds:
                if (seed, masking) not in stored:
                    sys.exit(f"run_toolbox.py export: {args.out} has no run for seed {seed}, masking {masking:g}; "
                             "run `runs` first.")
                run = stored[seed, masking]
                export = Path(args.draws) / f"seed{seed}_masking{masking:g}"
                shutil.rmtree(export, ignore_errors=True)
                again = octave_run(args.octave, args.toolbox, datadir, seed, masking, export=export)
                if again["predicted_counts"] != run["predicted_counts"] or again["test_error"] != run["test_error"]:
                    raise RuntimeError(f"seed {seed}, masking {masking}: the run did not repeat itself "
                                       f"({again['test_error']} against the stored {run['test_error']})")
                if not again.get("draws_equal_run"):
                    raise RuntimeError(f"seed {seed}, masking {masking}: the re-drawn sequence does not end "
                                       "in the generator state of the run")
                exported[seed, masking] = str(export.relative_to(ROOT) if export.is_relative_to(ROOT) else export)
                log(f"masking {masking:g}, seed {seed}: repeated ({100 * again['test_error']:.2f} %), draws exported")

    def change(results):
        for run in results["runs"]:
            if (run["seed"], run["masking"]) in exported:
                run["exported"] = exported[run["seed"], run["masking"]]
                run["draws_equal_run"] = True
        results.setdefault("export_commands", []).append(command_line())

    update_results(args.out, change)


def _daekeras_env():
    from daekeras.experiments import environment

    return environment()


def cmd_replay(args):
    from daekeras.replay import load_toolbox_draws
    from daekeras.replay import replay_toolbox_run

    results = read_results(args.out)
    exported = [run for run in results.get("runs", []) if run.get("exported")]
    if not exported:
        sys.exit(f"run_toolbox.py replay: no run in {args.out} has exported draws; run `runs --export-seeds` first.")
    replays = []
    for run in exported:
        draws = load_toolbox_draws(ROOT / run["exported"])
        for dtype in args.dtypes:
            start = time.perf_counter()
            replay = replay_toolbox_run(draws, dtype=dtype)
            entry = {
                "seed": run["seed"],
                "masking": run["masking"],
                "dtype": dtype,
                "toolbox_test_error": run["test_error"],
                "replay_test_error": replay["test_error"],
                "toolbox_predicted_counts": run["predicted_counts"],
                "replay_predicted_counts": replay["predicted_counts"],
                "max_relative_difference": replay["max_relative_difference"],
                "relative_difference": replay["relative_difference"],
                "seconds": round(time.perf_counter() - start, 2),
            }
            replays.append(entry)
            log(f"seed {run['seed']}, masking {run['masking']:g}, {dtype}: toolbox {100 * run['test_error']:.2f} %, "
                f"replay {100 * replay['test_error']:.2f} %, max rel. weight difference "
                f"{replay['max_relative_difference']:.2e} ({entry['seconds']:.0f} s)")
    replay = {"command": command_line(), "environment": _daekeras_env(), "runs": replays}
    update_results(args.out, lambda results: results.update(replay=replay))


def cmd_timing(args):
    import keras

    from daekeras.experiments import mnist_vectors
    from daekeras.experiments import toolbox_run

    mnist_vectors()
    with tempfile.TemporaryDirectory() as datadir:
        write_mnist(Path(datadir))
        octave = octave_run(args.octave, args.toolbox, datadir, args.seed, args.masking)
    keras.config.set_floatx("float32")
    ours = toolbox_run(args.seed, args.masking)
    timing = {
        "command": command_line(),
        "seed": args.seed,
        "masking": args.masking,
        "octave_seconds": round(octave["seconds"], 2),
        "daekeras_seconds": ours["seconds"],
        "ratio_octave_to_daekeras": round(octave["seconds"] / ours["seconds"], 3),
        "octave": octave_version(args.octave),
        "environment": _daekeras_env(),
        "machine": machine(),
    }
    log(f"Octave {octave['seconds']:.1f} s, daekeras {ours['seconds']:.1f} s")
    update_results(args.out, lambda results: results.update(timing=timing))


def cmd_small_case(args):
    from daekeras.replay import load_toolbox_draws

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "data").mkdir()
        write_mnist(tmp / "data")
        run = octave_run(args.octave, args.toolbox, tmp / "data", args.seed, args.masking,
                         n_train=args.n_train, hidden=args.hidden, export=tmp / "draws")
        if not run.get("draws_equal_run"):
            raise RuntimeError("the re-drawn sequence does not end in the generator state of the run")
        draws = load_toolbox_draws(tmp / "draws")
    meta = {
        "command": command_line(),
        "octave": octave_version(args.octave),
        "toolbox_commit": toolbox_commit(args.toolbox, args.toolbox_commit),
        **{k: run[k] for k in ("seed", "masking", "n_train", "layer_sizes", "test_error", "predicted_counts")},
    }
    # Stored as the toolbox drew them (1-based permutations), masks bit-packed by row.
    arrays = {k: v for k, v in draws.items() if isinstance(v, np.ndarray)}
    for name in list(arrays):
        if name.startswith("masks_"):
            arrays[name] = np.packbits(arrays[name].astype(bool), axis=1)
        elif name.startswith("perm_"):
            arrays[name] = (arrays[name] + 1).astype("int32")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, meta=np.array(json.dumps(meta)), **arrays)
    log(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB): test error {run['test_error']}")


def build_parser():
    parser = argparse.ArgumentParser(prog="crosscheck/run_toolbox.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def toolbox_args(p):
        p.add_argument("--toolbox", required=True, type=Path, help="path of a DeepLearnToolbox clone")
        p.add_argument("--toolbox-commit", default=None,
                       help="its commit, if the path is not a git clone (e.g. 5df2801)")
        p.add_argument("--octave", default="octave-cli", help="the Octave executable (default: octave-cli)")

    p = sub.add_parser("runs", help="the experiment under Octave, several seeds and maskings")
    toolbox_args(p)
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--masking", type=float, nargs="+", default=[0.0, 0.5])
    p.add_argument("--export-seeds", type=int, nargs="*", default=[],
                   help="seeds whose draws and final weights are exported for the replay")
    p.add_argument("--draws", type=Path, default=DEFAULT_DRAWS, help="folder for the exported draws")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("export", help="export the draws of stored runs (each run again, checked to repeat)")
    toolbox_args(p)
    p.add_argument("--seeds", type=int, nargs="+", required=True)
    p.add_argument("--masking", type=float, nargs="+", default=[0.0, 0.5])
    p.add_argument("--draws", type=Path, default=DEFAULT_DRAWS, help="folder for the exported draws")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("replay", help="daekeras replays the exported draws")
    p.add_argument("--dtypes", nargs="+", default=["float64", "float32"], choices=["float64", "float32"])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("timing", help="one Octave run and one daekeras run, timed in one sitting")
    toolbox_args(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--masking", type=float, default=0.5)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.set_defaults(func=cmd_timing)

    p = sub.add_parser("small-case", help="the small stored replay case for tests/test_replay.py")
    toolbox_args(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--masking", type=float, default=0.5)
    p.add_argument("--n-train", type=int, default=300)
    p.add_argument("--hidden", type=int, nargs="+", default=[10, 10])
    p.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "toolbox_replay_small.npz")
    p.set_defaults(func=cmd_small_case)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if getattr(args, "toolbox", None) is not None and not (args.toolbox / "NN" / "nntrain.m").is_file():
        sys.exit(f"run_toolbox.py: Argument `--toolbox` must be a DeepLearnToolbox clone (with NN/nntrain.m). "
                 f"Received: --toolbox={args.toolbox}")
    if getattr(args, "octave", None) is not None and shutil.which(args.octave) is None:
        sys.exit(f"run_toolbox.py: Octave executable {args.octave!r} not found; install GNU Octave "
                 "(e.g. apt-get install octave) or pass --octave PATH.")
    sys.path.insert(0, str(ROOT))
    try:
        args.func(args)
    except ValueError as error:  # a results file that the command cannot add to, or a run that did not repeat
        sys.exit(f"run_toolbox.py {args.command}: {error}")


if __name__ == "__main__":
    main()
