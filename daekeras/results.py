"""Results files: their format, their provenance, and merging runs into them.

A results file is one JSON object::

    {
     "schema": 1,                  # the version of this format
     "experiment": "exp1",         # what the runs are runs of
     "runs": [{...}, ...],         # one object per run: its settings, seed and results
     "command": "python -m ...",   # the first command that wrote runs to the file
     "commands": ["python -m ..."],  # every such command, in order (the first is `command`)
     "environment": {...},         # versions and devices (`environment()`)
     "git_commits": ["1a2b..."],   # per command: the commit of the package's checkout
     ...                           # anything else the writer keeps (costs, replay, timing)
    }

Files without `schema` are read as version 1; a file with a single `command`
and no `commands` (written before merging existed) is read as made by that
one command. `git_commits` is absent when no command knew its commit; an
entry ends in `-dirty` when the package's folder had uncommitted changes.

Results are never lost: `write_json_atomic` writes a temporary file in the
target's folder and renames it over the target, so a reader sees the old file
or the new one, never a mix; `merge_runs` adds runs to a file under a lock
(`PATH.lock`, which stays beside the file) and keeps every run already there.
A run is identified by its key fields (its settings and seed); a run that
is stored already must come out the same, field for field (`seconds` and
the other timing fields aside), or the merge fails and names both values.

Nothing here imports Keras at import time: `python -m daekeras --help` stays fast.
"""

import json
import math
import os
import subprocess
import tempfile
from pathlib import Path

#: The version of the format written by this module (and the only one read).
SCHEMA = 1

#: Result fields that may differ between two runs of the same settings and seed.
TIMING_FIELDS = ("seconds",)

#: How long `merge_runs` waits for another writer to finish, in seconds.
LOCK_TIMEOUT = 300


# -- Provenance ------------------------------------------------------------------


def environment():
    """Versions and devices, for the provenance of a results file.

    Python, NumPy, Keras, the Keras backend, the devices it sees, the CPU
    (`daekeras.runtime.cpu`: its model and instruction-set extensions), and
    the backend's own version under the backend's name (`"tensorflow"`,
    `"jax"` or `"torch"`). Imports Keras.

    Files written before the CPU was recorded have no `"cpu"`; see
    `UNRECORDED_BEFORE` for how they are compared.
    """
    import platform

    import keras
    import numpy as np

    from daekeras.runtime import cpu
    from daekeras.runtime import devices

    env = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "devices": devices(),
        "cpu": cpu(),
    }
    if env["backend"] == "tensorflow":
        import tensorflow as tf

        env["tensorflow"] = tf.__version__
    elif env["backend"] == "jax":
        import jax

        env["jax"] = jax.__version__
    elif env["backend"] == "torch":
        import torch

        env["torch"] = torch.__version__
    return env


#: The fields every `environment()` record has.
ENVIRONMENT_FIELDS = ("python", "numpy", "keras", "backend", "devices")

#: Fields `environment()` records that older results files lack: a stored
#: environment without one was written before it was recorded, so it is
#: compared on the fields it has (`environment_differences`), and a merge
#: into that file keeps its environment as it is.
UNRECORDED_BEFORE = ("cpu",)


def environment_differences(stored, live):
    """The fields in which two `environment()` records differ, in order.

    A field of `UNRECORDED_BEFORE` that `stored` lacks is not compared: the
    file was written before it was recorded, and nothing says it differed.

    Args:
        stored: The `"environment"` of a results file.
        live: Another record, usually this process's `environment()`.

    Returns:
        A list of field names; empty when the records agree.

    Example:

    >>> old = {"python": "3.11.7", "keras": "3.15.1", "devices": ["CPU:0"]}
    >>> environment_differences(old, {**old, "cpu": {"model": "x", "isa": []}})
    []
    >>> environment_differences({**old, "cpu": {"model": "y", "isa": []}},
    ...                         {**old, "keras": "3.16.0", "cpu": {"model": "x", "isa": []}})
    ['keras', 'cpu']
    """
    live = _as_recorded(stored, live)
    fields = list(stored) + [k for k in live if k not in stored]
    return [k for k in fields if k not in stored or k not in live
            or _difference(stored[k], json.loads(json.dumps(live[k])), k) is not None]


def _as_recorded(stored, live):
    """`live` without the `UNRECORDED_BEFORE` fields that `stored` lacks."""
    return {k: v for k, v in live.items() if k in stored or k not in UNRECORDED_BEFORE}


def environment_line(env=None):
    """Versions and devices of an `environment()` record, in one line of text.

    The line the book prints and quotes for a results file: Python, NumPy,
    Keras with its backend (and the backend's version where the record has
    it), and the devices.

    Args:
        env: A dict as `environment` returns it, such as the `"environment"`
            of a results file. Defaults to this process's `environment()`.

    Returns:
        A string.

    Example:

    >>> environment_line({"python": "3.11.7", "numpy": "2.4.6", "keras": "3.15.1",
    ...                   "backend": "jax", "jax": "0.7.2", "devices": ["CPU:0"]})
    'Python 3.11.7, NumPy 2.4.6, Keras 3.15.1 (jax 0.7.2), devices CPU:0'
    """
    if env is None:
        env = environment()
    if not isinstance(env, dict):
        raise TypeError(
            "environment_line: Argument `env` must be a dict as `environment()` returns it. "
            f"Received: env={env!r} (of type {type(env).__name__})"
        )
    missing = [field for field in ENVIRONMENT_FIELDS if field not in env]
    if missing:
        raise ValueError(
            f"environment_line: Argument `env` must have the fields {list(ENVIRONMENT_FIELDS)}. "
            f"Received: env={env!r}, without {missing}"
        )
    backend = env["backend"] + (f" {env[env['backend']]}" if env["backend"] in env else "")
    line = (f"Python {env['python']}, NumPy {env['numpy']}, Keras {env['keras']} ({backend}), "
            f"devices {', '.join(env['devices'])}")
    if isinstance(env.get("cpu"), dict) and env["cpu"].get("model"):
        line += f", CPU {env['cpu']['model']}"
    return line


def git_commit(folder=None):
    """The commit of the git checkout that holds `folder` (default: this package).

    Returns the full hash, followed by `-dirty` when files of `folder` differ
    from that commit (modified or untracked); None when `folder` is not
    tracked by git (an installed wheel), git is missing or fails. Reads the
    repository only (`--no-optional-locks`: not even the index is refreshed).
    """
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent

    def git(*args):
        return subprocess.run(
            ["git", "--no-optional-locks", "-C", str(folder), *args],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.strip()

    try:
        # The folder itself must be tracked: a package installed into a
        # virtual environment inside a checkout is not that checkout's code.
        if not git("ls-files", "--", "."):
            return None
        commit = git("rev-parse", "--verify", "HEAD")
        changed = git("status", "--porcelain", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if changed else "")


# -- Writing and reading -----------------------------------------------------------


def write_json_atomic(obj, path):
    """Write `obj` as JSON to `path` without ever leaving a half-written file.

    The JSON goes to a temporary file in the folder of `path` (created if
    missing), which is flushed to disk and then renamed over `path`
    (`os.replace`). On any error, `KeyboardInterrupt` included, the temporary
    file is removed and `path` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _invalid(path, what):
    return ValueError(f"load_results: {str(path)!r} is not a valid results file: {what}.")


def validate(results, path):
    """Check the parts of a results file's object that this module reads.

    Raises `ValueError` naming `path` and what is wrong: not an object, no
    list of `runs`, an unknown `schema`, a `command` or `commands` that are
    not text, or `commands` that do not start with `command`.
    """
    if not isinstance(results, dict) or not isinstance(results.get("runs"), list):
        raise ValueError(
            f"load_results: {str(path)!r} is not a results file of python -m daekeras: "
            "expected a JSON object with a list of `runs`."
        )
    schema = results.get("schema", SCHEMA)
    if isinstance(schema, bool) or not isinstance(schema, int) or schema < 1:
        raise _invalid(path, f"expected schema={SCHEMA} (or none), received schema={schema!r}")
    if schema > SCHEMA:
        raise _invalid(path, f"it has schema={schema}, written by a newer daekeras; this one reads "
                       f"schema={SCHEMA}")
    if "experiment" in results and not isinstance(results["experiment"], str):
        raise _invalid(path, f"expected `experiment` to be text, received {results['experiment']!r}")
    if "command" in results and not isinstance(results["command"], str):
        raise _invalid(path, f"expected `command` to be text, received {results['command']!r}")
    if "commands" in results:
        commands = results["commands"]
        if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
            raise _invalid(path, f"expected `commands` to be a list of text, received {commands!r}")
        if "command" in results and commands[:1] != [results["command"]]:
            raise _invalid(path, f"expected `commands` to start with `command`={results['command']!r}, "
                           f"received commands={commands!r}")
    if "environment" in results and not isinstance(results["environment"], dict):
        raise _invalid(path, f"expected `environment` to be an object, received {results['environment']!r}")
    if "git_commits" in results:
        commits = results["git_commits"]
        if (not isinstance(commits, list) or len(commits) != len(commands_of(results))
                or not all(c is None or isinstance(c, str) for c in commits)):
            raise _invalid(path, "expected `git_commits` to hold one commit (text or null) per command, "
                           f"received git_commits={commits!r} for {len(commands_of(results))} commands")


def load_results(path, experiment=None):
    """Read a results file written by `python -m daekeras ... --out PATH`.

    Args:
        path: The file.
        experiment: Optional name (`"exp1"`, `"exp2"`, `"dropout"`, ...) the
            file must hold.

    Returns:
        The file's JSON object, as stored (see `commands_of` for its commands).

    Raises:
        FileNotFoundError: No file at `path`.
        ValueError: The file is not complete JSON, not a results file (see
            `validate`), or holds another experiment.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"load_results: no results file at {str(path)!r}. Regenerate it "
            "with the command in the chapter (python -m daekeras ... --out PATH)."
        )
    try:
        with open(path) as f:
            results = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"load_results: {str(path)!r} is not a complete results file ({error}). "
            "Regenerate it with the command that made it."
        ) from None
    validate(results, path)
    if experiment is not None and results.get("experiment") != experiment:
        raise ValueError(
            f"load_results: Argument `experiment` expects a file of {experiment!r}. "
            f"Received: {str(path)!r}, a file of {results.get('experiment')!r}"
        )
    return results


def schema_of(results):
    """The format version of a results file's object (1 when it names none)."""
    return results.get("schema", SCHEMA)


def commands_of(results):
    """The commands that made a results file, in order, as a list of text.

    A file written before merging existed has one `command` and no
    `commands`: it was made by that one command.
    """
    if "commands" in results:
        return list(results["commands"])
    return [results["command"]] if "command" in results else []


# -- Merging -------------------------------------------------------------------------


def _frozen(value):
    """A hashable form of a JSON value; equal values give equal forms (0 == 0.0)."""
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return value


def _describe(key_fields, run):
    return ", ".join(f"{k}={run[k]!r}" for k in key_fields)


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _difference(stored, new, where):
    """The first place where two JSON values differ, as (where, stored, new), or None."""
    if isinstance(stored, dict) and isinstance(new, dict):
        for k in list(stored) + [k for k in new if k not in stored]:
            if k not in new or k not in stored:
                return (f"{where}.{k}" if where else k,
                        stored.get(k, "(absent)"), new.get(k, "(absent)"))
            found = _difference(stored[k], new[k], f"{where}.{k}" if where else k)
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(new, list):
        if len(stored) != len(new):
            return (f"len({where})", len(stored), len(new))
        for i, (a, b) in enumerate(zip(stored, new)):
            found = _difference(a, b, f"{where}[{i}]")
            if found:
                return found
        return None
    # Numbers compare by value (0 == 0.0, as JSON has one number type), NaN
    # equals NaN, and a boolean equals only a boolean.
    if _frozen(stored) == _frozen(new) and isinstance(stored, bool) == isinstance(new, bool):
        return None
    return (where, stored, new)


def _check_key_fields(key_fields):
    if isinstance(key_fields, str):
        key_fields = (key_fields,)
    key_fields = tuple(key_fields)
    if not key_fields or not all(isinstance(k, str) and k for k in key_fields):
        raise ValueError(
            "merge_runs: Argument `key_fields` must name at least one field of a run. "
            f"Received: key_fields={key_fields!r}"
        )
    return key_fields


def _keyed(runs, key_fields, where):
    """`{key: run}` of `runs`; a run without a key field, or a repeated key, raises."""
    keyed = {}
    for i, run in enumerate(runs):
        if not isinstance(run, dict):
            raise ValueError(f"merge_runs: {where} run {i} is not a JSON object: {_short(run)}.")
        missing = [k for k in key_fields if k not in run]
        if missing:
            raise ValueError(
                f"merge_runs: {where} run {i} has no field {', '.join(map(repr, missing))}; a "
                f"run here is identified by {list(key_fields)}, so it is not a run of these "
                "settings."
            )
        key = tuple(_frozen(run[k]) for k in key_fields)
        if key in keyed:
            raise ValueError(
                f"merge_runs: {where} holds the run {_describe(key_fields, run)} twice "
                f"(runs {runs.index(keyed[key])} and {i})."
            )
        keyed[key] = run
    return keyed


def check_mergeable(path, experiment, *, key_fields=None, same=None):
    """Whether runs of `experiment` can be merged into the file at `path`.

    Args:
        path: The results file; it need not exist.
        experiment: The experiment of the runs to add.
        key_fields: Optional fields that identify a run; every stored run
            must have them, each key at most once.
        same: Optional `{field: value}` of top-level fields (e.g. the
            `environment`) that the file must hold with the same value
            where it holds them.

    Returns:
        The file's object, or None if there is no file at `path`.

    Raises:
        ValueError: naming `path` and what stands in the way.
    """
    path = Path(path)
    if not path.exists():
        return None
    stored = load_results(path)
    remedy = "Use another file, or overwrite=True (--overwrite) to replace it."
    if stored.get("experiment", experiment) != experiment:
        raise ValueError(
            f"merge_runs: {str(path)!r} holds runs of experiment={stored['experiment']!r}, "
            f"not of experiment={experiment!r}; runs of different experiments are not merged. "
            f"{remedy}"
        )
    for field, value in (same or {}).items():
        value = json.loads(json.dumps(value))
        if field == "environment" and isinstance(value, dict) and isinstance(stored.get(field), dict):
            # A file written before a field was recorded is compared on what it has.
            value = _as_recorded(stored[field], value)
        found = _difference(stored[field], value, field) if field in stored else None
        if found is not None:
            where, a, b = found
            raise ValueError(
                f"merge_runs: {str(path)!r} was made with {where}={_short(a)}; these runs "
                f"with {where}={_short(b)}. Runs made with another {field} are not merged "
                f"into it. {remedy}"
            )
    if key_fields is not None:
        _keyed(stored["runs"], _check_key_fields(key_fields), repr(str(path)))
    return stored


def merge(stored, experiment, new_runs, command, key_fields, *, same=None, fields=None,
          ignore=TIMING_FIELDS, commit=None, path="the file"):
    """The results object of `stored` (None: no file) with `new_runs` merged in.

    The pure part of `merge_runs` (no files, no lock); see there for the rules.
    """
    key_fields = _check_key_fields(key_fields)
    new_runs = json.loads(json.dumps(list(new_runs)))
    new_keyed = _keyed(new_runs, key_fields, "Argument `new_runs`:")
    same = json.loads(json.dumps(same or {}))
    if stored is None:
        results = {"schema": SCHEMA, "experiment": experiment, "runs": new_runs,
                   "command": command, "commands": [command], **same}
        if commit is not None:
            results["git_commits"] = [commit]
        for field, value in (fields or {}).items():
            results.setdefault(field, value)
        return results

    stored_keyed = _keyed(stored["runs"], key_fields, repr(str(path)))
    added = []
    for key, run in new_keyed.items():
        old = stored_keyed.get(key)
        if old is None:
            added.append(run)
            continue
        found = _difference({k: v for k, v in old.items() if k not in ignore},
                            {k: v for k, v in run.items() if k not in ignore}, "")
        if found is not None:
            where, a, b = found
            raise ValueError(
                f"merge_runs: {str(path)!r} holds the run {_describe(key_fields, run)} already, "
                f"with {where}={_short(a)}; this run of it has {where}={_short(b)}. The same "
                "settings and seed must give the same results; stored runs are never replaced "
                "(overwrite=True, --overwrite, replaces the whole file)."
            )

    commands = commands_of(stored)
    commits = list(stored.get("git_commits") or [None] * len(commands))
    if command not in commands:
        commands.append(command)
        commits.append(commit)
    head = {"schema": SCHEMA, "experiment": stored.get("experiment", experiment),
            "runs": stored["runs"] + added, "command": commands[0], "commands": commands}
    results = {**head, **{k: v for k, v in stored.items() if k not in head}}
    for field, value in same.items():
        results.setdefault(field, value)
    if any(c is not None for c in commits):
        results["git_commits"] = commits
    else:
        results.pop("git_commits", None)
    return results


def lock(path, timeout=LOCK_TIMEOUT):
    """The lock of the results file `path`: a `filelock.FileLock` on `PATH.lock`.

    Every writer of `path` that reads it first (`merge_runs`, and any
    read-change-write of a part of it) holds this lock from the read to the
    write, so that no two of them write a file that lacks the other's runs.
    The lock file stays beside `path` after release (removing it would let
    a waiter lock a file that is no longer there).
    """
    from filelock import FileLock

    return FileLock(str(path) + ".lock", timeout=timeout)


def merge_runs(path, experiment, new_runs, command, key_fields, overwrite=False, *,
               same=None, fields=None, ignore=TIMING_FIELDS, commit=False):
    """Add `new_runs` to the results file at `path`, keeping every run already there.

    Under the lock of `path` (`lock`), the file is read, checked and written
    again atomically (`write_json_atomic`):

    - the runs already in it are kept, in their order, and the runs of
      `new_runs` whose keys it does not hold are added after them, in the
      order given;
    - a new run whose key (the values of `key_fields`: its settings and
      seed) the file holds already must equal the stored run in every other
      field but those in `ignore`; a difference raises `ValueError` naming
      the field and both values, and nothing is written;
    - a file of another `experiment`, or whose value of a field of `same`
      differs, is refused with a `ValueError` naming both values;
    - `command` is added to the file's `commands` (unless listed already);
      `command`, the first of them, is kept.

    With `overwrite=True` the file is replaced by one that holds `new_runs`
    alone. Nothing is written if anything fails.

    Args:
        path: The results file (created, with its folders, if missing).
        experiment: The name of the experiment (`"exp1"`, ...).
        new_runs: The runs to add: JSON-ready objects with every key field.
        command: The command line that made them, as text.
        key_fields: The fields that identify a run (everything that defines
            it: its settings and seed; not its results).
        overwrite: Replace the file instead of merging into it.
        same: `{field: value}` of top-level fields (e.g. `"environment"`)
            that a new file gets and an existing one must hold with the same
            value (one it lacks gets it).
        fields: `{field: value}` of top-level fields that a new (or
            replaced) file gets; an existing file keeps its own.
        ignore: Result fields not compared (default: `TIMING_FIELDS`).
        commit: The git commit to record with `command`; False (default):
            `git_commit()` of this package; None: none.

    Returns:
        The object written to `path`.
    """
    path = Path(path)
    if not isinstance(command, str):
        raise ValueError(f"merge_runs: Argument `command` must be text. Received: command={command!r}")
    if commit is False:
        commit = git_commit()
    merge(None, experiment, new_runs, command, key_fields, same=same)  # checks the new runs alone
    path.parent.mkdir(parents=True, exist_ok=True)
    with lock(path):
        stored = None if overwrite else check_mergeable(path, experiment, same=same)
        results = merge(stored, experiment, new_runs, command, key_fields, same=same,
                        fields=fields, ignore=ignore, commit=commit, path=path)
        write_json_atomic(results, path)
    return results


def update_results(path, change, default=None):
    """Read the results file `path`, apply `change(results)`, write it back, under its lock.

    For writers that set a part of a file (a `replay` or `timing` entry)
    rather than add runs: the file is read when the lock is held, so a
    merge that happened meanwhile is kept. `change` edits the object in
    place; `default` is the object to start from when there is no file
    (default: no runs). Returns the object written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with lock(path):
        if path.exists():
            results = load_results(path)
        else:
            results = json.loads(json.dumps(default if default is not None else {"runs": []}))
        change(results)
        validate(results, path)
        write_json_atomic(results, path)
    return results


_CHECKOUT_RESULTS = Path(__file__).resolve().parent.parent / "results"


def stored(name):
    """The path of a stored results file, installed or in a checkout.

    The wheel ships the files of the repository's `results/` folder as
    `daekeras/_results/` (see setup.py); in a checkout (an editable install,
    `PYTHONPATH`) they are read from `results/` beside the package. Either
    way the bytes are those of the repository's file.

    Args:
        name: The file's name in `results/`, e.g. `"exp1.json"`.

    Returns:
        A `pathlib.Path` to the file.

    Raises:
        FileNotFoundError: No stored file of that name.
    """
    import importlib.resources

    if not isinstance(name, str) or not name or Path(name).name != name:
        raise ValueError(
            "stored: Argument `name` must be the name of a file in results/ "
            f"(no folders), e.g. 'exp1.json'. Received: name={name!r}"
        )
    shipped = importlib.resources.files("daekeras") / "_results" / name
    if shipped.is_file():
        return Path(str(shipped))
    local = _CHECKOUT_RESULTS / name
    if local.is_file():
        return local
    raise FileNotFoundError(
        f"stored: no stored results file {name!r}: looked in the installed "
        f"package ({shipped}) and in the checkout ({local})."
    )
