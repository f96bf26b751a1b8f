import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import myst_nb
import numpy as np
import pytest

from cossim.report import glue as G


@pytest.fixture
def glued(monkeypatch):
    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=True: calls.append((name, value, display)))
    return calls


def test_glue_values_glues_every_pair_unchanged_and_hidden(glued):
    value = np.float64(0.25)
    assert G.glue_values({"a": 1, "b": value, "c": "text"}) is None   # no output on the page
    assert glued == [("a", 1, False), ("b", value, False), ("c", "text", False)]
    assert type(glued[1][1]) is np.float64          # no conversion: the text form is kept


def test_glue_values_rejects_bad_names(glued):
    with pytest.raises(ValueError):
        G.glue_values({"": 1})
    with pytest.raises(ValueError):
        G.glue_values({"ok": 1, 3: 1})
    assert glued == []                              # checked before anything is glued


def test_glue_figure_closes_the_figure(glued):
    fig, _ = plt.subplots()
    G.glue_figure("fig", fig)
    assert glued == [("fig", fig, False)]
    assert not plt.fignum_exists(fig.number)


def test_report_is_not_imported_by_the_package():
    import pathlib

    import cossim
    root = pathlib.Path(cossim.__file__).parent
    for path in root.rglob("*.py"):
        if "report" in path.relative_to(root).parts:
            continue
        text = path.read_text()
        assert "cossim.report" not in text and "from .report" not in text, path
