"""_ext/eval_from_glue.py on a two-page Sphinx project in force mode: {eval} reads glued values."""

import re

import pytest
from support.book import ROOT
from support.sphinx_project import CONF_EXECUTE, NOTEBOOK_FRONT_MATTER, build_sphinx_project

pytestmark = pytest.mark.book

CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "_ext")!r})
extensions = ["myst_nb", "eval_from_glue"]
nb_eval_name_regex = r"^[a-zA-Z_][a-zA-Z0-9_]*(\\.[a-zA-Z_][a-zA-Z0-9_]*)?$"
""" + CONF_EXECUTE

PAGE = NOTEBOOK_FRONT_MATTER + """\
# Numbers

```{{code-cell}} ipython3
from cossim.report import shown

pred = shown("pred", {{"x": (1 / 7, ".3f"), "k": (7, "d")}})
```

The value is {{eval}}`pred.x` and the count is {{eval}}`pred.{key}`.
"""

INDEX = """\
# Home

```{toctree}
numbers
```
"""


def _build(tmp_path, key):
    return build_sphinx_project(tmp_path, CONF, {"index.md": INDEX, "numbers.md": PAGE.format(key=key)},
                                warnings_are_errors=True)


def test_eval_role_shows_the_glued_formatted_value(tmp_path):
    out, result = _build(tmp_path, key="k")
    assert result.returncode == 0, result.stderr[-3000:]
    page = (out / "numbers.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    assert "The value is 0.143 and the count is 7." in text
    assert "0.142857" not in page                       # the formatted text, not the float
    assert "application/papermill.record" not in page   # the glue itself is not shown


def test_eval_role_with_a_key_nobody_glued_fails_the_build(tmp_path):
    _, result = _build(tmp_path, key="missing")
    assert result.returncode != 0
    assert "pred.missing" in result.stderr and "no value glued" in result.stderr, result.stderr[-3000:]
