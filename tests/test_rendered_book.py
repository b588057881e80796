"""Checks of the rendered book, after `jupyter-book build` (`make test-book`).

Run with `pytest -m book tests`; `make test-unit` deselects them.
"""

import html
import re
from html.parser import HTMLParser

import pytest

from book_toc import ROOT
from book_toc import TOC_FILES
from book_toc import TOC_NOTEBOOK_PAGES
from book_toc import TOC_NOTEBOOKS

pytestmark = pytest.mark.book

HTML_DIR = ROOT / "_build" / "html"

# TensorFlow / XLA / absl log lines that must never reach a page.
LOG_NOISE_ANYWHERE = [
    r"absl::",
    r"cudart_stub",
    r"TF_ENABLE_ONEDNN_OPTS",
    r"oneDNN custom operations",
    r"cpu_feature_guard",
    r"(?m)^[IWEF]\d{4} \d\d:\d\d:\d\d",
    r"(?m)^[IWEF]0000 ",
    r"All log messages before absl",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
]
# In cell outputs even a mention is noise.
LOG_NOISE_IN_OUTPUTS = [r"(?i)cuda", r"oneDNN", r"(?m)^[IWE]\d{4} ", r"tensorflow/core/", r"WARNING:tensorflow", r"triggered tf.function retracing"]
UNRESOLVED = [
    r"\{glue(:\w+)?\}",
    r"\{numref\}",
    r"\{ref\}",
    r"\{doc\}",
    r"\{cite(:\w+)?\}",
    r"glue:(text|figure|any|math|md)",
]


class _Page(HTMLParser):
    """Visible text, cell-output text, image count and unresolved references."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.outputs = [], []
        self.images = 0
        self.unresolved_refs = []
        self._skip = 0
        self._stack = []  # (tag, is_output, is_link)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "img":
            self.images += 1
            return
        if tag in ("br", "hr", "meta", "link", "input", "source"):
            return
        if tag in ("script", "style"):
            self._skip += 1
        in_link = any(link for _, _, link in self._stack)
        # An unresolved Sphinx cross-reference keeps its "xref" node without a link.
        if "xref" in classes and not in_link and tag != "a":
            self.unresolved_refs.append(" ".join(classes))
        self._stack.append((tag, "cell_output" in classes or "output" in classes, tag == "a"))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if any(out for _, out, _ in self._stack):
            self.outputs.append(data)


def _parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages():
    if not HTML_DIR.is_dir():
        return []
    return sorted(p for p in HTML_DIR.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def _content_pages():
    return [p for p in _pages() if p.name not in ("genindex.html", "search.html", "py-modindex.html")]


def test_book_is_built():
    assert HTML_DIR.is_dir(), f"{HTML_DIR} does not exist: run `jupyter-book build .` (make test-book) first"
    assert (HTML_DIR / "index.html").is_file()
    assert _content_pages()


def test_every_toc_entry_is_rendered():
    missing = [f for f in TOC_FILES if not (HTML_DIR / f"{f}.html").is_file()]
    assert missing == [], f"no rendered page for {missing}"


@pytest.mark.parametrize("stem", TOC_NOTEBOOK_PAGES)
def test_notebook_page_is_rendered_with_figures(stem):
    page = HTML_DIR / f"{stem}.html"
    assert page.is_file(), f"{page.relative_to(ROOT)} is missing"
    parsed = _parse(page)
    assert parsed.images >= 1, f"{page.name} shows no figure"
    assert any(t.strip() for t in parsed.outputs), f"{page.name} shows no cell output"


@pytest.mark.parametrize("stem", TOC_NOTEBOOKS)
def test_figures_and_tables_are_numbered_per_chapter(stem):
    """Chapter 4's figures read Fig. 4.1, 4.2 …; the appendix's Fig. A.1 …"""
    name = stem.rsplit("/", 1)[-1]
    label = "A" if name.startswith("appendix_") else str(int(name[:2]))
    source = (HTML_DIR / f"{stem}.html").read_text(encoding="utf-8")
    numbers = re.findall(r'<span class="caption-number">(Fig\.|Table) ([^ <]+) </span>', source)
    assert numbers, f"{name} has no numbered figure or table"
    for kind in ("Fig.", "Table"):
        found = [n for k, n in numbers if k == kind]
        assert found == [f"{label}.{k}" for k in range(1, len(found) + 1)], (kind, found)


def _each_page():
    pages = _content_pages()
    assert HTML_DIR.is_dir(), f"{HTML_DIR} does not exist: build the book first"
    assert pages, "no rendered pages"
    return [(p, _parse(p)) for p in pages]


def test_no_tensorflow_log_noise():
    found = []
    for path, page in _each_page():
        text = "".join(page.text)
        outputs = "".join(page.outputs)
        for pattern in LOG_NOISE_ANYWHERE:
            for match in re.finditer(pattern, text):
                found.append(f"{path.relative_to(HTML_DIR)}: {match.group(0)!r}")
        for pattern in LOG_NOISE_IN_OUTPUTS:
            for match in re.finditer(pattern, outputs):
                found.append(f"{path.relative_to(HTML_DIR)} (output): {match.group(0)!r}")
    assert found == []


def test_no_traceback():
    found = [
        str(path.relative_to(HTML_DIR))
        for path, page in _each_page()
        if "Traceback (most recent call last)" in "".join(page.text)
    ]
    assert found == []


def test_no_unresolved_glue_or_references():
    found = []
    for path, page in _each_page():
        text = html.unescape("".join(page.text))
        for pattern in UNRESOLVED:
            for match in re.finditer(pattern, text):
                found.append(f"{path.relative_to(HTML_DIR)}: {match.group(0)!r}")
        found += [f"{path.relative_to(HTML_DIR)}: unresolved <{c}>" for c in page.unresolved_refs]
    assert found == []


def test_page_parser_on_samples():
    """The checks above find what they look for."""
    page = _Page()
    page.feed(
        '<p>See <span class="xref std std-numref">fig-x</span> and '
        '<a class="reference internal" href="#"><span class="std std-numref">Fig. 1</span></a> '
        'and <a href="#"><code class="xref py py-class">keras.Model</code></a></p>'
        '<div class="cell_output docutils container"><pre>W0000 00:00:1 cuda stuff</pre></div>'
        '<script>var cuda = 1;</script><img src="x.png">'
    )
    assert page.unresolved_refs == ["xref std std-numref"]
    assert page.images == 1
    assert "cuda" in "".join(page.outputs) and "var cuda" not in "".join(page.text)
    assert re.search(LOG_NOISE_IN_OUTPUTS[0], "".join(page.outputs))


def _api_html():
    page = HTML_DIR / "book" / "api.html"
    assert page.is_file(), f"{page.relative_to(ROOT)} is missing"
    return page.read_text(encoding="utf-8")


def test_api_classes_show_their_real_signatures():
    source = _api_html()
    # <dt class="sig sig-object py" id="daekeras.MaskingNoise"> ... </dt>
    signatures = {
        m.group(1): re.sub(r"<[^>]+>", "", m.group(2))
        for m in re.finditer(r'<dt class="sig sig-object py" id="([\w.]+)">(.*?)</dt>', source, re.S)
    }
    classes = {name: sig for name, sig in signatures.items() if re.search(r"\bclass\b", sig)}
    assert "daekeras.MaskingNoise" in classes, sorted(signatures)
    catch_all = [name for name, sig in classes.items() if "*args, **kwargs" in html.unescape(sig)]
    assert catch_all == [], f"classes documented as (*args, **kwargs): {catch_all}"
    assert "rate" in classes["daekeras.MaskingNoise"]
    assert "hidden_units" in classes["daekeras.DenoisingAutoencoder"]


def test_api_references_are_links_and_examples_are_kept():
    source = _api_html()
    text = html.unescape("".join(_parse(HTML_DIR / "book" / "api.html").text))
    assert "](http" not in text, "a Markdown link is shown as text"
    cited = re.findall(r'<a class="reference external" href="(https://doi\.org/[^"]+)">', source)
    assert "https://doi.org/10.1145/1390156.1390294" in cited
    # Each `Example:` heading (a paragraph, or Napoleon's rubric) is followed
    # by its doctest block, rendered as code.
    headings = re.findall(r'<p( class="rubric")?>Examples?:?</p>\s*(.{0,300})', source, re.S)
    assert headings, "no Example on the API page"
    without = [block[:80] for _, block in headings if not re.match(r'<div class="doctest', block)]
    assert without == [], f"Example headings without a doctest block: {without}"


def test_intro_orients_the_reader():
    page = HTML_DIR / "book" / "intro.html"
    source = page.read_text(encoding="utf-8")
    text = html.unescape("".join(_parse(page).text))
    # One picture, numbered and captioned: clean, corrupted, reconstructed digits.
    assert re.search(r'<figure[^>]*id="fig-intro-denoising"', source)
    assert re.search(r'<span class="caption-number">Fig\. \d+ </span>', source)
    # How to run it, with the real repository and no placeholder.
    assert "git clone https://github.com/daekeras/daekeras" in text
    for command in ("make book", "make test", ".venv/bin/jupyter lab"):
        assert command in text, command
    assert not re.search(r"<[a-z ]*repository>|&lt;this", source + text)
    # The chapter map links every chapter; the text after it, the how-to pages.
    for stem in TOC_NOTEBOOK_PAGES:
        name = stem.rsplit("/", 1)[-1]
        assert f'href="{name}.html"' in source, f"the intro does not link {name}"


def test_intro_lists_the_measured_time_of_every_notebook_page():
    source = (HTML_DIR / "book" / "intro.html").read_text(encoding="utf-8")
    table = re.search(r'<table class="[^"]*exec-times[^"]*">(.*?)</table>', source, re.S)
    assert table, "the intro has no table of run times"
    times = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        link = re.search(r'href="([\w.-]+)\.html"', cells[0]) if cells else None
        if link:
            times[link.group(1)] = html.unescape(re.sub(r"<[^>]+>", "", cells[1])).strip()
    for stem in TOC_NOTEBOOK_PAGES:
        name = stem.rsplit("/", 1)[-1]
        assert name in times, f"no run time for {stem}; rows: {sorted(times)}"
        assert re.fullmatch(r"(\d+\smin\s)?\d+\ss", times[name]), (stem, times[name])
