"""Every chapter's seed test runs in `make test`, on exactly one backend.

The tests/test_chapter_0N_seeds.py files re-check a chapter's claims on root
seeds other than the book's (`tests/chapter_seeds.py`). Each such test carries
one of the markers `seeds_tensorflow` and `seeds_jax`; `make test-unit`
leaves out the second and `make test-jax` the first, so each runs once.
"""

import ast
import re

import pytest

import chapter_seeds

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free

MARKERS = {"seeds_tensorflow", "seeds_jax"}


def _marks(function):
    """The names of the `pytest.mark.<name>` decorators of a function."""
    names = set()
    for decorator in function.decorator_list:
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "pytest.mark":
            names.add(node.attr)
    return names


def test_every_seed_test_names_one_backend(root):
    files = sorted((root / "tests").glob("test_chapter_*_seeds.py"))
    assert len(files) >= 8, files
    found = 0
    for path in files:
        tree = ast.parse(path.read_text())
        for function in tree.body:
            if not isinstance(function, ast.FunctionDef):
                continue
            marks = _marks(function)
            trains = "slow" in marks  # the seed tests measure a chapter: they train
            assert trains == bool(marks & MARKERS), f"{path.name}::{function.name}: {sorted(marks)}"
            if trains:
                assert len(marks & MARKERS) == 1, f"{path.name}::{function.name}: {sorted(marks)}"
                assert "parametrize" in marks, f"{path.name}::{function.name} takes its seeds from chapter_seeds"
                found += 1
    assert found == len(files)


def test_make_test_runs_each_seed_test_on_its_backend(root):
    text = (root / "Makefile").read_text()
    unit = re.search(r"^UNIT := (.*)$", text, re.M).group(1)
    recipes = {
        target: re.search(rf"^{target}:.*\n\t(.*)", text, re.M).group(1)
        for target in ("test-unit", "test-jax")
    }
    assert '-m "$(UNIT) and not seeds_jax"' in recipes["test-unit"], recipes["test-unit"]
    # test-jax also leaves out the tests without Keras code (backend_free), which test-unit runs.
    assert '-m "$(UNIT) and not seeds_tensorflow and not backend_free"' in recipes["test-jax"], recipes["test-jax"]
    assert "backend_free" not in recipes["test-unit"], recipes["test-unit"]
    assert "seeds" not in unit and "slow" not in unit and "backend_free" not in unit, unit


def test_chapter_seeds_reads_the_variable(monkeypatch):
    monkeypatch.delenv(chapter_seeds.VARIABLE, raising=False)
    assert chapter_seeds.seeds() == chapter_seeds.DEFAULT == (1,)
    monkeypatch.setenv(chapter_seeds.VARIABLE, "1, 2 3")
    assert chapter_seeds.seeds() == (1, 2, 3)


@pytest.mark.parametrize("text", ["", "0", "1 1", "1 -2", "one", "1.5"])
def test_chapter_seeds_refuses_bad_values(text):
    with pytest.raises(ValueError, match=r"DAEKERAS_CHAPTER_SEEDS.*must name distinct positive root seeds"):
        chapter_seeds.parse(text)
