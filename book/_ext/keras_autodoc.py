"""Autodoc for Keras-style docstrings: real signatures and Markdown links.

Keras layers, losses and models define `__new__(cls, *args, **kwargs)`, and
Sphinx documents a class with the signature of its `__new__` when it has one,
so every class of the package would read `(*args, **kwargs)`. This extension
documents a class with the arguments of its own `__init__` instead, as Keras's
API pages do.

The docstrings follow Keras: their `References:` are Markdown links
(`[Vincent et al., 2008](https://doi.org/...)`). Napoleon leaves them as text;
this extension rewrites them as reStructuredText links before Napoleon runs.
"""

import inspect
import re

#: A Markdown link to a web address: `[text](https://...)`.
MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\[\]\n]+)\]\((?P<url>https?://[^()\s]+)\)")
# Before sphinx.ext.napoleon (priority 500): the links are rewritten in the
# Google-style docstring, then Napoleon turns the sections into reST.
DOCSTRING_PRIORITY = 400


def markdown_links_to_rst(line):
    """Rewrite each Markdown link of `line` as an anonymous reST hyperlink.

    Anonymous links (`__`) never clash, even when two docstrings on one page
    cite the same paper under the same text.

    >>> markdown_links_to_rst("- [Vincent et al., 2008](https://doi.org/10.1145/1390156.1390294)")
    '- `Vincent et al., 2008 <https://doi.org/10.1145/1390156.1390294>`__'
    """
    return MARKDOWN_LINK.sub(lambda m: f"`{m['text']} <{m['url']}>`__", line)


def init_signature(cls):
    """The signature of `cls.__init__` without `self` and without annotations.

    Returns `None` when the class has no `__init__` of its own lineage
    (`object.__init__`) or when Python cannot tell its signature.
    """
    init = getattr(cls, "__init__", None)
    if init is None or init is object.__init__:
        return None
    try:
        signature = inspect.signature(init)
    except (TypeError, ValueError):
        return None
    parameters = list(signature.parameters.values())[1:]  # drop `self`
    parameters = [p.replace(annotation=inspect.Parameter.empty) for p in parameters]
    return str(signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty))


def _process_signature(app, what, name, obj, options, signature, return_annotation):
    # Only the classes whose signature Sphinx took from a catch-all `__new__`.
    if what != "class" or not inspect.isclass(obj) or signature != "(*args, **kwargs)":
        return None
    real = init_signature(obj)
    if real is None:
        return None
    return real, return_annotation


def _process_docstring(app, what, name, obj, options, lines):
    lines[:] = [markdown_links_to_rst(line) for line in lines]


def setup(app):
    app.setup_extension("sphinx.ext.autodoc")
    app.connect("autodoc-process-signature", _process_signature)
    app.connect("autodoc-process-docstring", _process_docstring, priority=DOCSTRING_PRIORITY)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
