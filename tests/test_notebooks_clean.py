"""Every chapter notebook is committed clean and follows the skeleton.

See CONTRIBUTING.md. Tests are parametrised per notebook (and per _toc.yml
entry), so a failure names the chapter.
"""

import ast
import json
import re

import pytest

from book_toc import ROOT
from book_toc import TOC_FILES
from book_toc import TOC_NOTEBOOKS

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free

SKELETON = ["## Overview", "## Prerequisites", "## Imports", "## Summary", "## What's next", "## References"]

# Notebooks on disk and chapter entries of the _toc.yml, so that a chapter
# listed but not written and a notebook written but not listed both fail.
NOTEBOOKS = sorted(
    {p.relative_to(ROOT).with_suffix("").as_posix() for p in (ROOT / "book").glob("*.ipynb")}
    | set(TOC_NOTEBOOKS)
)


def _load(stem):
    path = ROOT / f"{stem}.ipynb"
    if not path.is_file():
        # test_toc_entry_exists fails for it; one failure per missing chapter.
        pytest.skip(f"{path.relative_to(ROOT)} does not exist yet")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _headings(markdown):
    """The Markdown headings, skipping fenced blocks (``` or ~~~ or :::)."""
    headings, fence = [], None
    for line in markdown.splitlines():
        stripped = line.strip()
        match = re.match(r"(`{3,}|~{3,}|:{3,})", stripped)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None and stripped.startswith(fence) and stripped.rstrip(fence[0]) == "":
            fence = None
        elif fence is None and re.match(r"#{1,6} ", line):
            headings.append(stripped)
    return headings


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def test_headings_skip_fenced_blocks():
    text = "# Title\n\n```bash\n# a comment\n```\n## Overview\n:::{note}\n# no\n:::\n"
    assert _headings(text) == ["# Title", "## Overview"]


@pytest.mark.parametrize("entry", TOC_FILES)
def test_toc_entry_exists(entry):
    candidates = [ROOT / f"{entry}{suffix}" for suffix in (".ipynb", ".md", ".rst", "")]
    assert any(p.is_file() for p in candidates), f"_toc.yml lists {entry!r}, which does not exist"


def test_book_has_chapters():
    assert TOC_NOTEBOOKS, "_toc.yml lists no NN_topic chapters"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_listed_in_toc(stem):
    assert stem in TOC_FILES, f"{stem}.ipynb is not listed in _toc.yml"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_no_outputs_or_execution_counts(stem):
    nb = _load(stem)
    dirty = [
        i for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert dirty == [], f"{stem}.ipynb has outputs or execution counts in cells {dirty}"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_kernelspec(stem):
    nb = _load(stem)
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_skeleton_headings(stem):
    nb = _load(stem)
    markdown = [_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert markdown and re.match(r"# \S", markdown[0].lstrip()), "the first markdown cell is the # title"
    headings = [h for text in markdown for h in _headings(text)]
    titles = [h for h in headings if h.startswith("# ")]
    assert len(titles) == 1, f"one # title, found {titles}"
    missing = [h for h in SKELETON if h not in headings]
    assert missing == [], f"{stem}.ipynb lacks {missing}"
    positions = [headings.index(h) for h in SKELETON]
    assert positions == sorted(positions), f"skeleton headings out of order in {stem}.ipynb"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_parameters_cell_sets_seed(stem):
    nb = _load(stem)
    tagged = [
        c for c in nb["cells"]
        if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    assert len(tagged) == 1, f"{stem}.ipynb needs exactly one cell tagged 'parameters'"
    tree = ast.parse(_source(tagged[0]))
    assigned = {
        target.id
        for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }
    assert "SEED" in assigned, "the parameters cell must set SEED"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_references_section_has_a_bibliography(stem):
    nb = _load(stem)
    markdown = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    references = markdown.split("## References", 1)[-1]
    assert "{bibliography}" in references
    assert ":filter: docname in docnames" in references


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_figures_use_the_inline_backend(stem):
    """The Makefile exports MPLBACKEND=Agg; without `%matplotlib inline` a glued
    figure has no image/png and renders as the text "<Figure size ...>"."""
    nb = _load(stem)
    code = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    if "matplotlib" not in code and "plot_" not in code:
        pytest.skip("draws no figures")
    assert re.search(r"^%matplotlib inline\b", code, re.M), (
        f"{stem}.ipynb draws figures but does not run `%matplotlib inline`"
    )


#: A directive opened with backticks: ```{name} and its argument on one line.
_BACKTICK_DIRECTIVE = re.compile(r"^\s*(`{3,})\{[\w:-]+\}(.*)$")


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_backtick_directives_have_no_backticks_in_their_argument(stem):
    """CommonMark ends a backtick fence's info string at a backtick: a caption
    with `code` in a ```{table} line opens no directive, and its :name: label is
    lost (the strict build then only warns where the label is referenced). Such
    a directive takes a ~~~ fence."""
    nb = _load(stem)
    bad = [
        line.strip()[:80]
        for c in nb["cells"] if c["cell_type"] == "markdown"
        for line in _source(c).splitlines()
        if (m := _BACKTICK_DIRECTIVE.match(line)) and "`" in m.group(2)
    ]
    assert bad == [], f"{stem}.ipynb: directives whose argument holds a backtick (use ~~~): {bad}"


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_first_code_cell_installs_what_a_lone_notebook_lacks(stem):
    """Colab or a downloaded notebook: the first code cell installs daekeras and myst-nb
    where they are missing, and the book removes the cell."""
    code = [c for c in _load(stem)["cells"] if c["cell_type"] == "code"]
    first = _source(code[0])
    assert first.startswith("# Run alone (Colab"), f"{stem}: the first code cell is not the install cell"
    assert '"daekeras[tensorflow]"' in first and '"myst-nb"' in first and "%pip install" in first
    assert "remove-cell" in code[0].get("metadata", {}).get("tags", []), stem


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_figures_show_under_their_cells(stem):
    """A figure is glued with `glue_figure`, which also shows it under its cell for a
    notebook reader; the book hides that output (`remove-output`) and places the glued
    figure once. A bare `glue(..., fig, display=False)` would show a reader nothing."""
    hidden, untagged = [], []
    for i, cell in enumerate(_load(stem)["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = _source(cell)
        if re.search(r"glue\(\s*f?[\"']fig-[^\n]*display=False", source):
            hidden.append(i)
        if "glue_figure(" in source and "remove-output" not in cell.get("metadata", {}).get("tags", []):
            untagged.append(i)
    assert hidden == [], f"{stem}: cells {hidden} glue a figure without showing it"
    assert untagged == [], f"{stem}: cells {untagged} show a figure that the book would show twice"
