"""Sphinx extension: the claims ledger page and ``claims.json``.

Every chapter check ``cossim.report.ledger.check(...)`` glues its record under
``claim:<id>`` (a JSON string under ``cossim.report.ledger.core.MIME``). MyST-NB writes each executed page's
glued values to ``<build>/jupyter_execute/<page>.glue.json``. This extension

* gathers those records once all pages are read (``env-updated``) and warns
  (an error under ``-W``) when a registered claim was never checked, when a
  checked claim is not registered, or when a claim is checked on two pages;
* replaces the ``{claims-ledger}`` directive with the ledger: a summary, then
  one table per paper section, each row linking to the check's anchor on its
  page, tight margins and qualified claims marked;
* writes the same records to ``claims.json`` at the root of the HTML output.

The ledger page is re-read on every build, so it never shows stale records.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

PREFIX = "claim:"
#: A claim holding by less than this factor is marked tight on the page.
TIGHT_RATIO = 2.0


STYLE = """<style>
table.claim-ledger td.claim-num { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.claim-ledger tr.claim-row-tight { background: rgba(255, 193, 7, 0.15); }
span.claim-tight, span.claim-qualified, span.claim-exact { font-weight: 600; padding: 0 0.3em; border-radius: 0.2em; }
span.claim-tight { background: rgba(255, 193, 7, 0.45); }
span.claim-qualified { background: rgba(13, 110, 253, 0.25); }
span.claim-exact { background: rgba(25, 135, 84, 0.25); }
</style>"""


class ledger_placeholder(nodes.General, nodes.Element):
    """Where the ledger goes; filled in at doctree-resolved."""


class ClaimsLedgerDirective(SphinxDirective):
    has_content = False

    def run(self):
        self.env.claims_ledger_docs = getattr(self.env, "claims_ledger_docs", set()) | {self.env.docname}
        return [ledger_placeholder("")]


def _glue_folder(app) -> Path:
    return Path(app.env.mystnb_config.output_folder)


def collect_records(app, env) -> None:
    """Read every page's claim records and check them against the registry."""
    from cossim.report.ledger import CLAIMS
    from cossim.report.ledger.core import MIME

    folder = _glue_folder(app)
    records, pages = {}, {}
    for docname in sorted(env.found_docs):
        path = folder.joinpath(*docname.split("/")).with_name(docname.split("/")[-1] + ".glue.json")
        if not path.exists():
            continue
        for key, output in json.loads(path.read_text(encoding="utf8")).items():
            if not key.startswith(PREFIX):
                continue
            claim_id = key[len(PREFIX):]
            if claim_id in records:
                logger.warning(f"claim {claim_id!r} is checked on two pages: {pages[claim_id]} and {docname}",
                               location=docname)
                continue
            records[claim_id] = json.loads(output["data"][MIME])
            pages[claim_id] = docname
    for claim_id in sorted(set(CLAIMS) - set(records)):
        logger.warning(f"claim {claim_id!r} is registered but no page checks it")
    for claim_id in sorted(set(records) - set(CLAIMS)):
        logger.warning(f"claim {claim_id!r} is checked on {pages[claim_id]} but not registered",
                       location=pages[claim_id])
    env.claims_ledger_records = {i: dict(records[i], page=pages[i]) for i in records}


def purge_doc(app, env, docname):
    env.claims_ledger_docs = getattr(env, "claims_ledger_docs", set()) - {docname}


def merge_info(app, env, docnames, other):
    env.claims_ledger_docs = getattr(env, "claims_ledger_docs", set()) | getattr(other, "claims_ledger_docs", set())


def always_reread(app, env, added, changed, removed):
    return sorted(getattr(env, "claims_ledger_docs", set()))


def _exact(rec: dict) -> bool:
    """An upper-bound claim whose measured value is exactly zero (e.g. terms left in a SymPy residual)."""
    return rec["kind"] == "at_most" and rec["measured"] == 0


def _cell(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<td{attr}>{text}</td>"


def _row(app, docname: str, rec: dict) -> str:
    uri = app.builder.get_relative_uri(docname, rec["page"]) + f"#claim-{rec['id']}"
    sign = "≤" if rec["kind"] == "at_most" else "≥"
    ratio = rec["ratio"]
    exact = _exact(rec)
    tight = not exact and (ratio is None or ratio < TIGHT_RATIO)
    marks = ['<span class="claim-exact">exact</span>'] if exact else []
    if rec["status"] == "qualified":
        marks.append('<span class="claim-qualified">qualified</span>')
    if tight:
        marks.append('<span class="claim-tight">tight</span>')
    cls = "claim-row-tight" if tight else ""
    title = html.escape(app.env.titles[rec["page"]].astext()) if rec["page"] in app.env.titles else rec["page"]
    claim = (f'{html.escape(rec["statement"])}<br><small><a href="{uri}"><code>{html.escape(rec["id"])}</code></a>'
             f' · {title} · measured: {html.escape(rec["quantity"])}</small>')
    return (f'<tr class="{cls}">'
            + _cell(claim)
            + _cell(f'{rec["measured"]:.3g} {sign} {rec["threshold"]:.3g}', "claim-num")
            + _cell(f'{rec["margin"]:.3g}' + (f"<br>({ratio:.3g}×)" if ratio is not None else ""), "claim-num")
            + _cell(" ".join(marks) or "held")
            + "</tr>")


def _summary(records: list[dict]) -> str:
    n = len(records)
    qualified = sum(r["status"] == "qualified" for r in records)
    exact = sum(_exact(r) for r in records)
    tight = sorted((r for r in records if r["ratio"] is not None), key=lambda r: r["ratio"])[:5]
    items = "".join(f'<li><code>{html.escape(r["id"])}</code>: {r["ratio"]:.3g}×</li>' for r in tight)
    return (f'<p class="claim-summary">{n} claims checked: {n - qualified} held as stated, '
            f"{qualified} qualified (held only with the qualification stated); "
            f"{exact} of them exact (an upper bound met by a measured value of exactly zero). "
            f"Smallest margins (threshold over measured value):</p><ul>{items}</ul>")


def fill_ledger(app, doctree, docname) -> None:
    from cossim.report.ledger import SECTIONS

    records = sorted(getattr(app.env, "claims_ledger_records", {}).values(),
                     key=lambda r: (SECTIONS.index(r["section"]) if r["section"] in SECTIONS else 99,
                                    r["ratio"] if r["ratio"] is not None else 0.0))
    for node in list(doctree.findall(ledger_placeholder)):
        parts = [STYLE, _summary(records)]
        for section in SECTIONS:
            rows = [r for r in records if r["section"] == section]
            if not rows:
                continue
            parts.append(f'<h2 class="claim-section">{html.escape(section)} <small>({len(rows)} claims)</small></h2>'
                         '<table class="table claim-ledger"><thead><tr><th>claim (id · where checked · measured)</th>'
                         "<th>measured vs threshold</th><th>margin</th><th>status</th></tr></thead><tbody>"
                         + "".join(_row(app, docname, r) for r in rows) + "</tbody></table>")
        node.replace_self(nodes.raw("", "\n".join(parts), format="html"))


def write_json(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    records = sorted(getattr(app.env, "claims_ledger_records", {}).values(), key=lambda r: r["id"])
    counts = {"entries": len(records), "held": sum(r["status"] == "held" for r in records),
              "qualified": sum(r["status"] == "qualified" for r in records)}
    out = Path(app.outdir) / "claims.json"
    out.write_text(json.dumps({"counts": counts, "claims": records}, indent=1, sort_keys=True) + "\n",
                   encoding="utf8")


def setup(app):
    app.add_node(ledger_placeholder)
    app.add_directive("claims-ledger", ClaimsLedgerDirective)
    app.connect("env-get-outdated", always_reread)
    app.connect("env-updated", collect_records)
    app.connect("doctree-resolved", fill_ledger)
    app.connect("build-finished", write_json)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
