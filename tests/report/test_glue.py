"""cossim.report.glue: `shown`, the numbers of the chapters' {eval} roles, glued for the built book."""

import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture
def glued(monkeypatch):
    calls = []
    monkeypatch.setattr("cossim.report.glue.glue_hidden",
                        lambda name, value: calls.append((name, value, False)))
    return calls


class _Rich:
    """A value with several representations and its own metadata, like the ledger's glued record."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"application/vnd.example+json": '{"a": 1}', "text/html": "<b>x</b>", "text/plain": "x"}

    def _repr_png_(self):
        return b"\x89PNG\r\n\x1a\n", {"width": 3}


@pytest.mark.parametrize("value", [0.5, "text", np.float64(2.5), _Rich()], ids=["float", "str", "numpy", "rich"])
def test_glue_hidden_sends_exactly_what_myst_nb_glue_sends(monkeypatch, value):
    import IPython.display
    import myst_nb
    import myst_nb.ext.glue

    from cossim.report.glue import glue_hidden

    sent = {"ours": [], "myst_nb": []}
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: sent["ours"].append((objs, kw)))
    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", lambda *objs, **kw: sent["myst_nb"].append((objs, kw)))
    glue_hidden("ns.key", value)
    myst_nb.glue("ns.key", value, display=False)
    assert len(sent["ours"]) == 1 and sent["ours"] == sent["myst_nb"]
    (bundle,), kw = sent["ours"][0]
    assert kw["raw"] is True and kw["metadata"]["scrapbook"] == {"name": "ns.key",
                                                                 "mime_prefix": myst_nb.ext.glue.GLUE_PREFIX}
    assert bundle and all(mime.startswith(myst_nb.ext.glue.GLUE_PREFIX) for mime in bundle)


def test_shown_and_check_do_not_import_myst_nb_or_nbformat():
    # the reason glue_hidden exists: nbformat's import (through jsonschema) cost every kernel ~1.3 s
    code = ("import sys; from cossim.report import shown; from cossim.report.ledger import check; "
            "shown('n', {'a': (1, 'd')}); check('ch4-panel-order-varies', measured=3, at_least=2, show=True); "
            "print(sorted(m for m in ('nbformat', 'jsonschema', 'myst_nb') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_report_is_not_imported_by_the_package():
    import pathlib

    import cossim
    root = pathlib.Path(cossim.__file__).parent
    for path in root.rglob("*.py"):
        if "report" in path.relative_to(root).parts:
            continue
        text = path.read_text()
        assert "cossim.report" not in text and "from .report" not in text, path


def test_shown_formats_each_number_once_and_its_repr_is_the_text(glued):
    from cossim.report import Shown, ShownNumbers, shown

    n = shown("n", {"d1": (np.float64(0.5), ".2g"), "tol": (2.665e-14, ".0e"), "k": (np.int64(3), "d")})
    assert (repr(n.d1), repr(n.tol), repr(n.k)) == ("0.5", "3e-14", "3")
    assert isinstance(n, ShownNumbers) and n._name == "n"
    assert isinstance(n.d1, Shown) and type(n.d1.value) is float and n.d1.value == 0.5
    assert repr(n) == "shown('n': d1=0.5, tol=3e-14, k=3)"


def test_shown_glues_each_entry_hidden_under_namespace_dot_name(glued):
    import IPython

    from cossim.report import shown

    pred = shown("pred", {"d1": (0.5, ".2g"), "tol": (2.665e-14, ".0e")})
    assert [(key, display) for key, _, display in glued] == [("pred.d1", False), ("pred.tol", False)]
    assert [value for _, value, _ in glued] == [pred.d1, pred.tol]
    # what myst_nb.glue stores as text/plain: the formatted text, not the float
    bundle, _ = IPython.core.formatters.format_display_data(pred.tol)
    assert bundle == {"text/plain": "3e-14"}


def test_shown_rejects_bad_names_before_gluing(glued):
    from cossim._validation import InvalidType, InvalidValue
    from cossim.report import shown

    for bad_name in ("not a name", "", "_hidden", "a.b", 3):
        with pytest.raises(InvalidValue):
            shown(bad_name, {"x": (1, "d")})
    for bad in ({"not a name": (1, "d")}, {"": (1, "d")}, {"_name": (1, "d")}, {"ok": (1, "d"), 3: (1, "d")}):
        with pytest.raises(InvalidValue):
            shown("n", bad)
    for bad in ({"x": 1.0}, {"x": (1.0,)}, {"x": (1.0, 3)}, {"ok": (1, "d"), "x": 1.0}):
        with pytest.raises(InvalidType):
            shown("n", bad)
    assert glued == []                              # checked before anything is glued
