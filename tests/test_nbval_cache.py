"""tests/nbval_cache.py: nbval's executions stored in the book's execution cache.

`make test-notebooks` runs the plugin in two xdist workers at once; these
tests check what that relies on: the controlling process creates the cache's
database before the workers start, every notebook that passes is stored with
the outputs nbval received (two workers storing side by side), a failing one
is not, and a store cut short leaves no record for the book build to render.
"""

import os
import subprocess
import sys
import time

import pytest

pytest.importorskip("jupyter_cache", reason="the notebook tests' cache plugin needs the book environment")

import nbformat  # noqa: E402
from jupyter_cache import get_cache  # noqa: E402

import nbval_cache  # noqa: E402


class _Config:
    """What the plugin reads of a pytest config: the option, and `workerinput` in a worker."""

    def __init__(self, path, worker=False):
        self.path = str(path)
        if worker:
            self.workerinput = {"workerid": "gw0"}

    def getoption(self, name):
        assert name == "nbval_cache", name
        return self.path


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def test_the_controller_creates_the_database_and_a_worker_does_not(tmp_path):
    worker_cache = tmp_path / "worker"
    nbval_cache.pytest_configure(_Config(worker_cache, worker=True))
    assert not (worker_cache / "global.db").exists()
    cache = tmp_path / "controller"
    nbval_cache.pytest_configure(_Config(cache))
    assert (cache / "global.db").is_file()


def test_a_store_cut_short_leaves_no_record(tmp_path, monkeypatch):
    from jupyter_cache.cache.db import NbCacheRecord

    path = _notebook(tmp_path / "a.ipynb", "1 + 1")
    cache_path = tmp_path / "cache"
    run = {"outputs": {0: [{"output_type": "execute_result", "data": {"text/plain": "2"},
                            "metadata": {}, "execution_count": 1}]},
           "failed": False, "start": time.perf_counter()}

    class Stopped(BaseException):
        """As KeyboardInterrupt: not an Exception."""

    create_record = NbCacheRecord.create_record

    def added_then_stopped(*args, **kwargs):
        create_record(*args, **kwargs)
        raise Stopped

    # Stopped after jupyter-cache added the record, before it wrote the notebook.
    monkeypatch.setattr(NbCacheRecord, "create_record", staticmethod(added_then_stopped))
    with pytest.raises(Stopped):
        nbval_cache._store(_Config(cache_path), path, run)
    assert get_cache(str(cache_path)).list_cache_records() == []
    assert nbval_cache.stale(str(cache_path), [str(path)]) == [str(path)]
    monkeypatch.undo()
    nbval_cache._store(_Config(cache_path), path, run)
    assert nbval_cache.stale(str(cache_path), [str(path)]) == []


def test_two_workers_store_every_passing_notebook_and_no_failing_one(tmp_path, root):
    first = _notebook(tmp_path / "first.ipynb", "x = 6 * 7\nprint(x)", "x + 1")
    second = _notebook(tmp_path / "second.ipynb", "print('second')")
    failing = _notebook(tmp_path / "failing.ipynb", "print('before')", "raise ValueError('no')")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    cache_path = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "tests"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "nbval_cache", "--nbval-cache", str(cache_path),
         "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder", "--nbval-lax", "--nbval-current-env",
         "-p", "no:cacheprovider", "-q", first.name, failing.name, second.name],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed, 4 passed" in output, output
    assert nbval_cache.stale(str(cache_path), [str(first), str(failing), str(second)]) == [str(failing)]
    cache = get_cache(str(cache_path))
    stored = {}
    for record in cache.list_cache_records():
        nb = cache.get_cache_bundle(record.pk).nb
        stored[os.path.basename(record.uri)] = [cell.outputs for cell in nb.cells if cell.cell_type == "code"]
        assert record.data["execution_seconds"] > 0
    assert sorted(stored) == ["first.ipynb", "second.ipynb"]
    (printed,), (result_42,) = stored["first.ipynb"]
    assert printed["text"] == "42\n"
    assert result_42["output_type"] == "execute_result" and result_42["data"]["text/plain"] == "43"
    assert result_42["execution_count"] == 2
    ((printed,),) = stored["second.ipynb"]
    assert printed["text"] == "second\n"
