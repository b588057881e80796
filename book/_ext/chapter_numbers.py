"""Figures and tables numbered per chapter: Fig. 4.1, Fig. 4.2, Table 4.1.

Sphinx numbers figures per chapter only under a numbered toctree, which would
also number the chapters' titles (each already says "Chapter 4 — …") and, in a
Jupyter Book with parts, restart the count in every part. This extension keeps
Sphinx's own count and rewrites it once the numbers are assigned: every
figure, table and code listing of `book/NN_topic` becomes `(NN, k)`, of an
appendix `book/appendix_topic` becomes `("A", k)`, and of any other page
`(k,)`, with `k` counting that kind of item from 1 in the page's order. The
captions and `{numref}` references both read the rewritten numbers.
"""

import re

#: Priority of the handler: after Sphinx's toctree collector (500) assigned them.
PRIORITY = 900


def chapter_label(docname):
    """The chapter number of a page, "A" for an appendix, None for other pages.

    >>> [chapter_label(d) for d in ("book/04_toolbox_sdae", "book/appendix_originals", "book/intro")]
    [4, 'A', None]
    """
    name = docname.rsplit("/", 1)[-1]
    match = re.match(r"(\d\d)_", name)
    if match:
        return int(match.group(1))
    if name.startswith("appendix_"):
        return "A"
    return None


def per_chapter(fignumbers):
    """`{docname: {figtype: {id: number}}}` renumbered per page, as the module says.

    >>> per_chapter({"book/04_x": {"figure": {"a": (7,), "b": (9,)}, "table": {"t": (3,)}},
    ...              "book/intro": {"figure": {"c": (1,)}}})
    {'book/04_x': {'figure': {'a': (4, 1), 'b': (4, 2)}, 'table': {'t': (4, 1)}}, 'book/intro': {'figure': {'c': (1,)}}}
    """
    renumbered = {}
    for docname, types in fignumbers.items():
        label = chapter_label(docname)
        renumbered[docname] = {}
        for figtype, numbers in types.items():
            order = sorted(numbers, key=lambda node_id: numbers[node_id])
            renumbered[docname][figtype] = {
                node_id: ((label, k) if label is not None else (k,)) for k, node_id in enumerate(order, start=1)
            }
    return renumbered


def _renumber(app, env):
    env.toc_fignumbers = per_chapter(env.toc_fignumbers)
    return []


def setup(app):
    app.connect("env-get-updated", _renumber, priority=PRIORITY)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
