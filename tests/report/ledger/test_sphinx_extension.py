"""The claims_ledger Sphinx extension on a two-page project: the ledger page, anchors, claims.json, warnings."""

import json
import textwrap

import pytest
from support.book import ROOT
from support.sphinx_project import CONF_EXECUTE, NOTEBOOK_FRONT_MATTER, build_sphinx_project

pytestmark = pytest.mark.book

CONF = """
import sys
sys.path.insert(0, {ext!r})
from cossim.report.ledger import CLAIMS, Claim
CLAIMS.clear()
CLAIMS.update({{c.id: c for c in [
    Claim("demo-small", "a small residual", "§2.2", "residual"),
    Claim("demo-order", "an order that depends on the seed", "§4", "share of seeds", status="qualified"),
{extra}]}})
extensions = ["myst_nb", "claims_ledger"]
""" + CONF_EXECUTE

PAGE = NOTEBOOK_FRONT_MATTER + """\
# Checks

```{code-cell} ipython3
from cossim.report.ledger import CLAIMS, Claim, check
CLAIMS["demo-small"] = Claim("demo-small", "a small residual", "§2.2", "residual")
CLAIMS["demo-order"] = Claim("demo-order", "an order that depends on the seed", "§4", "share of seeds",
                             status="qualified")
check("demo-small", 1e-12, at_most=1e-9)
check("demo-order", 0.3, at_least=0.25)
```
"""

INDEX = """\
# Home

```{toctree}
checks
ledger
```
"""

LEDGER = """\
# Ledger

```{claims-ledger}
```
"""


def _build(tmp_path, extra=""):
    return build_sphinx_project(tmp_path, CONF.format(ext=str(ROOT / "_ext"), extra=extra),
                                {"index.md": INDEX, "checks.md": PAGE, "ledger.md": LEDGER})


def test_ledger_page_links_every_check_and_json_is_written(tmp_path):
    out, result = _build(tmp_path)
    assert result.returncode == 0, result.stderr
    # Sphinx warnings read "WARNING: ..."; the kernel's "[IPKernelApp] WARNING |" lines are not build warnings.
    assert "WARNING:" not in result.stderr, result.stderr
    page = (out / "checks.html").read_text()
    assert 'id="claim-demo-small"' in page and 'id="claim-demo-order"' in page
    ledger = (out / "ledger.html").read_text()
    assert 'href="checks.html#claim-demo-small"' in ledger
    assert 'href="checks.html#claim-demo-order"' in ledger
    assert "qualified" in ledger and "2 claims checked" in ledger and "0 of them exact" in ledger
    data = json.loads((out / "claims.json").read_text())
    assert data["counts"] == {"entries": 2, "held": 1, "qualified": 1}
    small = {c["id"]: c for c in data["claims"]}["demo-small"]
    assert small["page"] == "checks" and small["holds"] is True
    assert small["ratio"] == pytest.approx(1000.0, rel=1e-12)


def test_a_registered_claim_no_page_checks_is_a_warning(tmp_path):
    extra = textwrap.indent('Claim("demo-unchecked", "never checked", "§1", "nothing"),\n', "    ")
    _, result = _build(tmp_path, extra=extra)
    assert "claim 'demo-unchecked' is registered but no page checks it" in result.stderr
