"""Two corrections to what the theme puts on every page.

Launch buttons only where they can open the page. sphinx-book-theme adds
Binder and Colab buttons to every executed page, MyST Markdown notebooks
(`intro.md`) included. Colab cannot open a `.md` file, and Binder opens it as
text unless Jupytext is installed there, so on such a page the buttons would
lead nowhere useful. The launch group is removed from pages whose source is
not an `.ipynb` file; their executed notebook stays downloadable from the
download button.

Each inline script once. Jupyter Book registers the configuration scripts of
sphinx-thebe and sphinx-togglebutton twice, and the second
`const THEBE_JS_URL = ...` is a SyntaxError in the browser console of every
page. Identical scripts are kept once.
"""

from pathlib import Path

#: After sphinx-book-theme's own `html-page-context` handlers (priority 501).
PRIORITY = 502
LAUNCH_GROUP = "launch-buttons"


def keep_launch_buttons(source_suffix):
    """Whether a page whose source has `source_suffix` keeps its launch buttons."""
    return source_suffix == ".ipynb"


def unique_scripts(scripts):
    """`scripts` without repeats of the same file or inline body, in order."""
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        # A plain str in old themes; `None` and "" both mean an inline script.
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    return kept


def _drop_launch_buttons(app, pagename, context):
    buttons = context.get("header_buttons")
    if not buttons or pagename not in app.env.all_docs:
        return
    if keep_launch_buttons(Path(app.env.doc2path(pagename)).suffix):
        return
    buttons[:] = [b for b in buttons if b.get("label") != LAUNCH_GROUP]


def _page_context(app, pagename, templatename, context, doctree):
    _drop_launch_buttons(app, pagename, context)
    if "script_files" in context:
        context["script_files"] = unique_scripts(context["script_files"])


def setup(app):
    app.connect("html-page-context", _page_context, priority=PRIORITY)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
