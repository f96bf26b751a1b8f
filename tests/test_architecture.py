"""The package's shape, held by tools: the layer contract, the linter, sizes, declared imports."""

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from support.book import ROOT

PACKAGE = ROOT / "cossim"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: Limits of issue "one implementation per formula": a module a maintainer can
#: read in one sitting, a function whose steps have names.
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60


def _tool(name):
    exe = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(exe).exists():
        pytest.fail(f"{name} is not installed; pip install -r requirements.txt")
    return exe


def test_layer_contract_holds():
    """lint-imports checks the layers and the absence of cycles declared in pyproject.toml."""
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


def test_layer_contract_fails_on_an_upward_import(tmp_path):
    """The contract can fail: a copy of the package whose linear algebra imports the CLI is rejected."""
    shutil.copytree(PACKAGE, tmp_path / "cossim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    victim = tmp_path / "cossim" / "linalg" / "similarity.py"
    victim.write_text(victim.read_text(encoding="utf-8") + "\nfrom ..cli import main  # noqa\n",
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode != 0
    assert "cossim.linalg is not allowed to import cossim.cli" in result.stdout, result.stdout


#: The bottom layer every subpackage shares, private helpers included (the layer contract's last layer).
SHARED_MODULES = {"cossim._validation", "cossim._lazy"}


def _private_imports_across_subpackages(path: Path, source: str) -> list[str]:
    """Each ``from M import _name`` in the module at `path` where M lies in another
    subpackage of cossim than the module (cossim.paper, cossim.beyond, ...), SHARED_MODULES aside.

    Within a subpackage, modules may share private helpers; across subpackages only public
    names are used, each of which documents what it checks (most validate their input; the
    few that do not say so), so that no module leans on another package's undocumented helper.
    """
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts[:-1]  # of a module and of an __init__ alike
    subpackage = parts[1] if len(parts) > 2 else None
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = package[:len(package) - node.level + 1] if node.level else []
        target = ".".join(base + (node.module.split(".") if node.module else []))
        if target.split(".")[0] != "cossim" or target in SHARED_MODULES:
            continue
        for alias in node.names:
            if not alias.name.startswith("_") or alias.name.startswith("__") \
                    or f"{target}.{alias.name}" in SHARED_MODULES:
                continue
            target_parts = target.split(".")
            if len(target_parts) < 2 or target_parts[1] != subpackage:
                found.append(f"{'.'.join(parts)}: from {target} import {alias.name}")
    return found


def test_no_private_name_is_imported_across_subpackages():
    found = [f for path in MODULES for f in _private_imports_across_subpackages(
        path, path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_private_import_check_can_fail():
    beyond = PACKAGE / "beyond" / "negative_sampling.py"
    assert _private_imports_across_subpackages(beyond, "from ..paper.metrics import _u_statistic\n") == \
        ["cossim.beyond.negative_sampling: from cossim.paper.metrics import _u_statistic"]
    assert _private_imports_across_subpackages(beyond, "from cossim.paper.optim import _minimize\n") == \
        ["cossim.beyond.negative_sampling: from cossim.paper.optim import _minimize"]
    # allowed: a sibling's helper, the shared layer, public names
    for source in ("from .genre_yardsticks import _check_scores\n", "from .._validation import as_matrix\n",
                   "from .. import _lazy\n", "from .. import __version__\n",
                   "from ..paper.metrics import rank_auc\n"):
        assert _private_imports_across_subpackages(beyond, source) == [], source
    report = PACKAGE / "report" / "first_objective.py"
    assert _private_imports_across_subpackages(report, "from cossim._validation import as_matrix\n") == []


def test_ruff_is_clean():
    result = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_function_sizes(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            # the docstring is documentation, not body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str) and len(body) > 1:
                body = body[1:]
            length = body[-1].end_lineno - body[0].lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}:{node.lineno} {node.name} has {length} lines"


def _declared_distributions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return {re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in specs}


def test_every_third_party_import_is_declared():
    """Each package cossim imports is a dependency or an extra in pyproject.toml."""
    imported = set()
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"cossim", "__future__"}
    assert third_party, "no third-party import found: the scan is broken"
    providers = packages_distributions()
    declared = _declared_distributions()
    missing = {name: providers.get(name, [name]) for name in third_party
               if not {d.lower().replace("_", "-") for d in providers.get(name, [name])} & declared}
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
