"""The book's table of contents, as the notebook and rendered-book tests see it."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files():
    """Every `file:` of _toc.yml (root first), in order, without suffix."""
    with open(ROOT / "_toc.yml") as f:
        toc = yaml.safe_load(f)
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


TOC_FILES = toc_files()
#: The chapter notebooks (`book/NN_topic`) and appendices (`book/appendix_topic`)
#: that _toc.yml lists.
TOC_NOTEBOOKS = sorted(f for f in TOC_FILES if re.search(r"(^|/)(\d\d|appendix)_", f))
#: Every page of _toc.yml whose source is a notebook, in order: the chapters
#: and the how-to pages (`book/howto_*`). Each is executed under nbval and in
#: the book build, and shows figures and cell output.
TOC_NOTEBOOK_PAGES = [f for f in TOC_FILES if (ROOT / f"{f}.ipynb").is_file()]
