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
