"""The `{nb-exec-table}` of MyST-NB, written for readers.

MyST-NB records, for every executed page, how long its notebook ran
(`exec_data`, kept with the execution cache), and `{nb-exec-table}` shows it
as a table of document names, modification times, execution methods and
check marks. This extension renders the same record as a table of page
titles and run times with a total, before MyST-NB's own transform sees it.
MyST-NB still decides which pages to rewrite when a run time changes.
"""

from docutils import nodes
from myst_nb.ext.execution_tables import ExecutionStatsNode
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform


NBSP = "\u00a0"  # a duration never breaks across lines


def format_seconds(seconds):
    """`seconds` as a reader reads a duration: `48 s`, `2 min 49 s`.

    The spaces are non-breaking.

    >>> [t.replace(NBSP, " ") for t in map(format_seconds, (48.28, 169.4, 3600))]
    ['48 s', '2 min 49 s', '60 min 0 s']
    """
    if seconds is None or seconds < 0:
        raise ValueError(f"Argument `seconds` must be a non-negative number. Received: seconds={seconds!r}")
    total = int(round(seconds))
    if total < 60:
        return f"{total}{NBSP}s"
    return f"{total // 60}{NBSP}min{NBSP}{total % 60}{NBSP}s"


def run_times(metadata):
    """`[(docname, seconds)]` of every page with a recorded run time, by name."""
    rows = []
    for docname in sorted(metadata):
        data = metadata[docname].get("exec_data") or {}
        if data.get("runtime") is not None:
            rows.append((docname, float(data["runtime"])))
    return rows


def _row(*cells):
    row = nodes.row()
    for cell in cells:
        paragraph = cell if isinstance(cell, nodes.paragraph) else nodes.paragraph(text=cell)
        row += nodes.entry("", paragraph)
    return row


def make_table(parent_docname, rows):
    """A docutils table: page title (a link), run time; a total row last."""
    table = nodes.table(classes=["colwidths-auto", "exec-times"])
    group = nodes.tgroup(cols=2)
    table += group
    group += nodes.colspec(colwidth=70)
    group += nodes.colspec(colwidth=30)
    head = nodes.thead()
    group += head
    head += _row("page", "run time")
    body = nodes.tbody()
    group += body
    for docname, seconds in rows:
        link = pending_xref(
            refdoc=parent_docname,
            reftarget="/" + docname,
            reftype="doc",
            refdomain="std",
            refexplicit=False,
            refwarn=True,
        )
        link += nodes.inline(text=docname)
        body += _row(nodes.paragraph("", "", link), format_seconds(seconds))
    total = nodes.paragraph()
    total += nodes.strong(text="all pages")
    total_time = nodes.paragraph()
    total_time += nodes.strong(text=format_seconds(sum(s for _, s in rows)))
    body += _row(total, total_time)
    return table


class ExecTimesTransform(SphinxPostTransform):
    """Replace MyST-NB's placeholder with the readers' table."""

    # Before MyST-NB's own transform (8) and the reference resolvers (9, 10).
    default_priority = 7

    def run(self, **kwargs):
        for node in list(self.document.findall(ExecutionStatsNode)):
            rows = run_times(NbMetadataCollector.get_doc_data(self.env))
            node.replace_self(make_table(self.env.docname, rows))


def setup(app):
    app.setup_extension("myst_nb")
    app.add_post_transform(ExecTimesTransform)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
