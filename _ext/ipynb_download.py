"""Sphinx extension: every executed chapter can be downloaded as ``.ipynb``.

The chapters are MyST Markdown notebooks. sphinx-book-theme only offers the
``.ipynb`` download for such pages when a launch service (Binder, Colab,
Thebe, ...) is configured, and those need the network. This extension does the
offline part on its own:

* it copies the notebook that MyST-NB executed during the build
  (``<build>/jupyter_execute/<page>.ipynb``, outputs included) next to the
  page's source in ``_sources/`` and sets ``ipynb_source``, so the theme's
  download menu lists ``.ipynb`` beside ``.md`` and ``.pdf``;
* it appends a short, visible "Run this page yourself" note to the end of every
  notebook page, linking the executed ``.ipynb`` and the MyST ``.md`` source.

It also makes the ``{nb-exec-table}`` of the execution-status page easier to
read: each row names its page by title rather than by file name, and the
status is spelled out next to the check mark (which some systems lack a font
for).

Finally it removes sphinx-thebe's scripts from the pages. Jupyter Book always
loads sphinx-thebe; with Thebe switched off (``launch_buttons.thebe: false``)
its scripts do nothing useful, point at a CDN (unpkg.com), and are included
twice, so that every page raised "Identifier 'THEBE_JS_URL' has already been
declared" in the browser.
"""

from __future__ import annotations

import html
import posixpath
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

NOTE_CLASS = "cossim-downloads"


def _is_notebook(app, pagename: str) -> bool:
    return "kernelspec" in app.env.metadata.get(pagename, {})


def _is_thebe(script) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body or "thebe@" in filename


def drop_thebe(app, pagename, templatename, context, doctree):
    """``html-page-context`` handler: no Thebe scripts while Thebe is off."""
    launch = app.config.html_theme_options.get("launch_buttons", {}) or {}
    if launch.get("thebe"):
        return
    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not _is_thebe(s)]
    if "css_files" in context:
        context["css_files"] = [c for c in context["css_files"]
                                if "sphinx-thebe" not in str(getattr(c, "filename", c))]


def _with_cached_outputs(app, path: Path) -> str:
    """The notebook at ``path`` with the outputs the page was rendered from, taken from the cache.

    In ``cache`` execution mode MyST-NB 1.4 renders a page from the cached outputs but
    writes ``jupyter_execute/<page>.ipynb`` as it read the source, without them (its cache
    client replaces its notebook rather than filling it in). The test suite renders the book
    this way, from papermill's runs (tests/support/execute_book.py).
    """
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(app.config.nb_execution_cache_path or ".jupyter_cache")
    _, merged = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
    return nbformat.writes(merged)


def add_ipynb_download(app, pagename, templatename, context, doctree):
    """``html-page-context`` handler (runs before the theme builds its buttons)."""
    if doctree is None or app.builder.format != "html" or not _is_notebook(app, pagename):
        return
    outdir = Path(app.outdir)
    executed = outdir.parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        logger.warning(f"ipynb_download: no executed notebook for {pagename!r} at {executed}",
                       type="ipynb_download", location=pagename)
        return
    target = outdir / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    if app.config.nb_execution_mode == "cache":
        target.write_text(_with_cached_outputs(app, executed), encoding="utf-8")
    else:
        shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"

    pathto = context["pathto"]
    ipynb_href = pathto(f"_sources/{pagename}.ipynb", 1)
    source_href = pathto(f"_sources/{context['sourcename']}", 1)
    name = Path(pagename).name
    source_name = Path(context["sourcename"]).name
    note = (
        f'\n<div class="admonition tip {NOTE_CLASS}">\n'
        '<p class="admonition-title">Run this page yourself</p>\n'
        f'<p>Download it as a notebook, executed and with all outputs: '
        f'<a class="reference download" href="{html.escape(ipynb_href)}" '
        f'download="{html.escape(name)}.ipynb"><code>{html.escape(name)}.ipynb</code></a>, '
        f'or as its MyST Markdown source: '
        f'<a class="reference download" href="{html.escape(source_href)}" '
        f'download="{html.escape(source_name)}"><code>{html.escape(source_name)}</code></a>. '
        'The README explains how to open either in JupyterLab.</p>\n</div>\n'
    )
    context["body"] = context.get("body", "") + note


EXEC_TABLE_HEADER = ["Document", "Modified", "Method", "Run Time (s)", "Status"]
STATUS_WORDS = {"✅": "✅ ran without error", "❌": "❌ failed"}


class ReadableExecTable(SphinxPostTransform):
    """Page titles and spelled-out status in myst-nb's execution table.

    Runs after myst-nb builds the table (priority 8) and before references
    are resolved (10).
    """

    default_priority = 9

    def run(self, **kwargs):
        for table in self.document.findall(nodes.table):
            head = next(table.findall(nodes.thead), None)
            if head is None or [e.astext() for e in head.findall(nodes.entry)] != EXEC_TABLE_HEADER:
                continue
            for row in next(table.findall(nodes.tbody)).children:
                entries = row.children
                for xref in entries[0].findall(pending_xref):
                    target = posixpath.normpath(posixpath.join(
                        posixpath.dirname(self.env.docname), xref["reftarget"]))
                    title = self.env.titles.get(target)
                    if title is not None:
                        xref.children = [nodes.inline(text=title.astext())]
                for text in list(entries[-1].findall(nodes.Text)):
                    if text.astext() in STATUS_WORDS:
                        text.parent.replace(text, nodes.Text(STATUS_WORDS[text.astext()]))


def setup(app):
    app.add_post_transform(ReadableExecTable)
    # sphinx-book-theme reads ``ipynb_source`` in a handler of priority 501.
    app.connect("html-page-context", add_ipynb_download, priority=500)
    app.connect("html-page-context", drop_thebe, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
