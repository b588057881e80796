"""daekeras.results.stored: the one way chapters read the stored results."""

import hashlib

import pytest

from daekeras import results

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_stored_file_is_found_with_the_repository_bytes(root):
    files = sorted(p for pattern in ("*.json", "*.png", "*.npy") for p in (root / "results").glob(pattern))
    assert files
    for path in files:
        found = results.stored(path.name)
        assert found.is_file()
        assert _sha(found) == _sha(path), path.name


@pytest.mark.parametrize("name", ["../results/exp1.json", "results/exp1.json", "", None, 3])
def test_a_name_with_folders_or_not_a_string_is_refused(name):
    with pytest.raises(ValueError, match=r"Argument `name` must be .* Received: name="):
        results.stored(name)


def test_a_missing_file_names_both_places():
    with pytest.raises(FileNotFoundError, match=r"no_such_run\.json.*installed.*checkout"):
        results.stored("no_such_run.json")


def test_chapters_read_results_only_through_stored(root):
    import json
    import re

    for nb in sorted([*(root / "book").glob("[0-9][0-9]_*.ipynb"), *(root / "book").glob("appendix_*.ipynb")]):
        cells = json.loads(nb.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert not re.search(r"""["']\.\./results|Path\(["']\.\.["']\)""", code), nb.name
