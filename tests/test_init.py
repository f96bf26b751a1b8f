"""The package root, ``cossim/__init__.py``: lazy re-exports (PEP 562), complete ``__all__``.

``import cossim`` must stay cheap: heavy or optional dependencies are imported
where they are used. Checked by what a fresh interpreter has in ``sys.modules``
(never by timing).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cossim

ROOT = Path(__file__).resolve().parents[1]

#: Modules that `import cossim` must not import (each costs 0.1-1 s or is optional).
HEAVY = ("numpy", "scipy", "scipy.stats", "scipy.optimize", "scipy.sparse.linalg", "pandas",
         "sympy", "matplotlib", "dask", "distributed", "sklearn", "IPython", "threadpoolctl")

#: Modules that `python -m cossim figure1` must not import: it needs NumPy, scipy.sparse,
#: scipy.linalg (XᵀX and its eigenpairs) and matplotlib (the PNG), nothing else of weight.
NOT_FOR_FIGURE1 = ("scipy.stats", "scipy.optimize", "scipy.sparse.linalg", "scipy.special",
                   "pandas", "sympy", "dask", "distributed", "sklearn", "IPython")


def _loaded_after(code: str, candidates) -> list:
    """The `candidates` in sys.modules of a fresh interpreter after running `code`."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps([m for m in {list(candidates)!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_cossim_imports_no_heavy_module():
    assert _loaded_after("import cossim", HEAVY) == []


def test_the_probe_sees_a_heavy_import():
    """The check above can fail: touching one public name loads its module's dependencies."""
    loaded = _loaded_after("import cossim\ncossim.cluster_auc", HEAVY)
    assert "numpy" in loaded


def test_figure1_command_imports_only_what_it_needs(tmp_path):
    code = ("from cossim.cli.main import main\n"
            f"assert main(['figure1', '--out', {str(tmp_path)!r}, '--users', '80', '--items', '30',"
            " '--clusters', '3', '--rank', '5', '--neighbours', '3', '--quiet']) == 0")
    assert _loaded_after(code, NOT_FOR_FIGURE1) == []
    assert (tmp_path / "figure1.png").is_file() and (tmp_path / "figure1.json").is_file()


def test_every_exported_name_resolves_from_its_module():
    assert sorted(cossim.__all__) == sorted(cossim._WHERE)
    assert len(set(cossim.__all__)) == len(cossim.__all__)
    for name in cossim.__all__:
        value = getattr(cossim, name)
        module = sys.modules[f"cossim.{cossim._WHERE[name]}"]
        assert value is getattr(module, name)


def test_dir_lists_every_public_name_and_the_lazy_modules():
    listed = set(dir(cossim))
    assert set(cossim.__all__) <= listed
    assert {"symbolic", "linalg", "paper", "figure1", "beyond", "cli", "report"} <= listed


def test_subpackages_and_their_modules_are_attributes():
    assert cossim.linalg.spectrum.top_singular is cossim.top_singular
    assert cossim.paper.models.fit_eq1 is cossim.fit_eq1
    assert cossim.beyond.training.train_runs is cossim.train_runs


@pytest.mark.parametrize("owner, name", [(cossim, "no_such_name"), (cossim.paper, "no_such_module"),
                                         (cossim.linalg, "__no_dunder__")])
def test_unknown_attributes_raise_attribute_error(owner, name):
    with pytest.raises(AttributeError, match=name):
        getattr(owner, name)
