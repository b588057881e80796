"""The book's own Sphinx extensions (book/_ext)."""

import sys

import pytest

from book_toc import ROOT

# The extensions are Sphinx code: the book's environment has Sphinx and
# docutils, the JAX environment of `make test-jax` does not.
pytest.importorskip("docutils", reason="the book's Sphinx extensions need the book environment")
pytest.importorskip("sphinx", reason="the book's Sphinx extensions need the book environment")

sys.path.insert(0, str(ROOT / "book" / "_ext"))

import book_pages  # noqa: E402
import chapter_numbers  # noqa: E402
import exec_times  # noqa: E402
import keras_autodoc  # noqa: E402


def test_markdown_links_become_anonymous_rst_links():
    line = "- [Vincent et al., 2008](https://doi.org/10.1145/1390156.1390294)"
    assert keras_autodoc.markdown_links_to_rst(line) == (
        "- `Vincent et al., 2008 <https://doi.org/10.1145/1390156.1390294>`__"
    )
    two = "[a](https://x.org/1) and [b](http://y.org/2)."
    assert keras_autodoc.markdown_links_to_rst(two) == (
        "`a <https://x.org/1>`__ and `b <http://y.org/2>`__."
    )


@pytest.mark.parametrize(
    "line",
    ["x[0](y) indexes a call", "no link at all", "[text](relative/path.md)", "[a] (https://x.org)"],
)
def test_text_without_markdown_web_links_is_kept(line):
    assert keras_autodoc.markdown_links_to_rst(line) == line


def test_init_signature_of_a_keras_layer_is_its_init():
    import inspect

    from daekeras import DenoisingAutoencoder
    from daekeras import MaskingNoise

    # What Sphinx would show without the extension: Keras's catch-all `__new__`.
    assert str(inspect.signature(MaskingNoise.__new__)) == "(cls, *args, **kwargs)"
    assert keras_autodoc.init_signature(MaskingNoise) == "(rate, seed=None, **kwargs)"
    signature = keras_autodoc.init_signature(DenoisingAutoencoder)
    assert signature.startswith("(input_dim, hidden_units, corruption_rate=0.0, corruption='masking'")


def test_init_signature_drops_annotations_and_skips_object_init():
    class Annotated:
        def __init__(self, rate: float, seed: int | None = None) -> None:
            pass

    class Plain:
        pass

    assert keras_autodoc.init_signature(Annotated) == "(rate, seed=None)"
    assert keras_autodoc.init_signature(Plain) is None


def test_process_signature_only_replaces_catch_all_class_signatures():
    from daekeras import MaskingNoise

    hook = keras_autodoc._process_signature
    assert hook(None, "class", "MaskingNoise", MaskingNoise, {}, "(*args, **kwargs)", None) == (
        "(rate, seed=None, **kwargs)",
        None,
    )
    assert hook(None, "class", "MaskingNoise", MaskingNoise, {}, "(rate)", None) is None
    assert hook(None, "function", "f", len, {}, "(*args, **kwargs)", None) is None


def test_run_times_are_formatted_for_readers():
    def plain(seconds):
        text = exec_times.format_seconds(seconds)
        assert " " not in text, "a duration must not break across lines"
        return text.replace("\u00a0", " ")

    assert plain(0.4) == "0 s"
    assert plain(48.28) == "48 s"
    assert plain(169.4) == "2 min 49 s"
    with pytest.raises(ValueError, match=r"Argument `seconds` .* Received: seconds=-1"):
        exec_times.format_seconds(-1)


def test_run_times_keep_the_pages_with_a_recorded_run():
    metadata = {
        "book/02_b": {"exec_data": {"runtime": 2.5, "method": "cache"}},
        "book/01_a": {"exec_data": {"runtime": 100, "method": "cache"}},
        "book/api": {},
        "book/intro": {"exec_data": {"runtime": None}},
    }
    assert exec_times.run_times(metadata) == [("book/01_a", 100.0), ("book/02_b", 2.5)]


def test_run_time_table_has_a_row_per_page_and_a_total():
    table = exec_times.make_table("book/intro", [("book/01_a", 100.0), ("book/02_b", 2.5)])
    text = table.astext().replace("\u00a0", " ")
    assert "1 min 40 s" in text and "2 s" in text and "1 min 42 s" in text
    assert len(list(table.findall(exec_times.pending_xref))) == 2


def test_launch_buttons_only_on_notebook_files():
    assert book_pages.keep_launch_buttons(".ipynb")
    assert not book_pages.keep_launch_buttons(".md")


def test_identical_scripts_are_kept_once():
    from sphinx.builders.html._assets import _JavaScript

    scripts = [
        _JavaScript("_static/a.js"),
        _JavaScript(None, body="const X = 1"),
        _JavaScript("", body="const X = 1"),
        _JavaScript("_static/a.js"),
        _JavaScript("", body="const Y = 2"),
    ]
    kept = book_pages.unique_scripts(scripts)
    assert [(s.filename, s.attributes) for s in kept] == [
        ("_static/a.js", {}),
        (None, {"body": "const X = 1"}),
        ("", {"body": "const Y = 2"}),
    ]


def test_chapter_labels_come_from_the_file_names():
    assert chapter_numbers.chapter_label("book/09_generation") == 9
    assert chapter_numbers.chapter_label("book/appendix_originals") == "A"
    assert chapter_numbers.chapter_label("book/howto_reuse") is None


def test_numbers_restart_in_every_page_in_page_order():
    numbers = {"book/05_x": {"figure": {"late": (12,), "early": (3,)}}, "book/howto_y": {"figure": {"f": (30,)}}}
    assert chapter_numbers.per_chapter(numbers) == {
        "book/05_x": {"figure": {"early": (5, 1), "late": (5, 2)}},
        "book/howto_y": {"figure": {"f": (1,)}},
    }


def test_a_sphinx_build_numbers_captions_and_references_per_chapter(tmp_path):
    """A small book built by Sphinx with the extension: captions and `numref`s."""
    import io
    import re

    from sphinx.application import Sphinx

    src = tmp_path / "src"
    (src / "book").mkdir(parents=True)
    (src / "x.png").write_bytes(b"")
    (src / "conf.py").write_text("extensions = ['chapter_numbers']\nnumfig = True\n")
    (src / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   book/01_a\n   book/02_b\n   book/appendix_c\n")

    def figure(name):
        return f".. figure:: /x.png\n   :name: {name}\n\n   Caption {name}.\n\n"

    (src / "book" / "01_a.rst").write_text("A\n=\n\n" + figure("a1") + figure("a2"))
    (src / "book" / "02_b.rst").write_text(
        "B\n=\n\n" + figure("b1") + "See :numref:`a2`.\n\n"
        ".. table:: T\n   :name: t1\n\n   = =\n   1 2\n   = =\n"
    )
    (src / "book" / "appendix_c.rst").write_text("C\n=\n\n" + figure("c1"))
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(tmp_path / "html"), str(tmp_path / "doctrees"), "html",
                 status=None, warning=warnings, freshenv=True)
    app.build()

    def captions(page):
        html = (tmp_path / "html" / "book" / f"{page}.html").read_text()
        return re.findall(r'<span class="caption-number">([^<]*?)\s*</span>', html), html

    a, _ = captions("01_a")
    b, b_html = captions("02_b")
    c, _ = captions("appendix_c")
    assert a == ["Fig. 1.1", "Fig. 1.2"]
    assert b == ["Fig. 2.1", "Table 2.1"]
    assert c == ["Fig. A.1"]
    # A reference from another chapter reads the same number as the caption.
    assert re.search(r'<span class="std std-numref">Fig\. 1\.2</span>', b_html)

