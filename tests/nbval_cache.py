"""pytest plugin: nbval's executions become the book's execution cache.

`make test` checks every notebook with nbval and then builds the book, which
would execute every notebook a second time. With this plugin
(`pytest -p nbval_cache --nbval-cache PATH`), each notebook whose cells all
passed under nbval is stored, with the outputs nbval received from the
kernel, in the jupyter-cache at `PATH` (the book's `_build/.jupyter_cache`).
The book build (`execute_notebooks: cache`) then finds every notebook
executed and renders those outputs: one execution per notebook per
`make test`, the one nbval checked. A notebook with a failing cell is not
stored, so the build executes it itself and fails on the same error.

Under pytest-xdist (`make test-notebooks` runs two workers) the controlling
process creates the cache's database before the workers start; each worker
then adds the rows and writes the folders of the notebooks it ran, and no
two workers run one notebook (`--dist loadfile`). tests/test_nbval_cache.py
checks this.

jupyter-cache matches a notebook by the hash of its code cells and its
kernelspec, so a stored execution serves only the notebook text it came from;
`make` drops the cache when the package, the results or the data change.
"""

import time
from pathlib import Path

import nbformat
import pytest

_runs = {}


def pytest_addoption(parser):
    parser.addoption(
        "--nbval-cache",
        metavar="PATH",
        default=None,
        help="store each notebook that passes nbval, with its outputs, in the jupyter-cache at PATH",
    )


def _cache(config):
    from jupyter_cache import get_cache

    return get_cache(config.getoption("nbval_cache"))


def pytest_configure(config):
    # Create the cache's database once, in the controlling process, before
    # xdist workers write to it: jupyter-cache creates it on first use (its
    # `db` property), and two workers that both found it missing would both
    # create its tables. Each worker then adds only rows, which SQLite
    # serialises, and writes only its own notebooks' folders.
    if config.getoption("nbval_cache") and not hasattr(config, "workerinput"):
        _cache(config).db


def _is_nbval_cell(item):
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell_num")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not item.config.getoption("nbval_cache") or not _is_nbval_cell(item):
        return
    report = outcome.get_result()
    path = Path(str(item.parent.fspath))
    run = _runs.setdefault(path, {"outputs": {}, "failed": False, "start": None})
    if call.when == "setup" and run["start"] is None:
        run["start"] = time.perf_counter()
    if call.when != "call":
        if report.failed:
            run["failed"] = True
        return
    if report.failed or item.test_outputs is None:
        run["failed"] = True
        return
    run["outputs"][item.cell_num] = item.test_outputs
    n_code = sum(cell.cell_type == "code" for cell in item.parent.nb.cells)
    if len(run["outputs"]) == n_code and not run["failed"]:
        _store(item.config, path, run)


def _store(config, path, run):
    from jupyter_cache.base import CacheBundleIn

    nb = nbformat.read(path, as_version=4)
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        outputs = run["outputs"][number]
        cell.outputs = [nbformat.from_dict(dict(out)) for out in outputs]
        cell.execution_count = number + 1
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = number + 1
    cache = _cache(config)
    record = cache.add_nb_to_project(str(path))
    # jupyter-cache adds the record, then writes the notebook: a run stopped
    # in between (Ctrl-C) would leave a record whose notebook is missing or
    # cut short, which the book build would render. Remove it instead.
    _, hashkey = cache.create_hashed_notebook(nb)
    try:
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, record.uri, data={"execution_seconds": time.perf_counter() - run["start"]}),
            check_validity=False,
            overwrite=True,
        )
    except BaseException:
        _forget(cache, hashkey)
        raise


def _forget(cache, hashkey):
    """Remove the cache record of `hashkey`, if there is one.

    The notebook is then not in the cache, and the book build executes it.
    (`remove_cache` would refuse a record whose notebook file is missing.)
    """
    from jupyter_cache.cache.db import NbCacheRecord

    try:
        record = NbCacheRecord.record_from_hashkey(hashkey, cache.db)
    except KeyError:
        return
    NbCacheRecord.remove_records([record.pk], cache.db)


def stale(cache_path, paths):
    """The notebooks among `paths` whose current text has no execution in the cache."""
    from jupyter_cache import get_cache

    cache = get_cache(cache_path)
    out = []
    for path in paths:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            out.append(path)
    return out


if __name__ == "__main__":
    # `python tests/nbval_cache.py CACHE NOTEBOOK...` prints the notebooks that
    # `make book` must execute (under nbval, two at a time) before it renders.
    import sys

    print(" ".join(stale(sys.argv[1], sys.argv[2:])))
