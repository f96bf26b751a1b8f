"""Tests of cossim.cli.main: the parser, the command registry, and the CLI's place in the package."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import cossim
from cossim.cli import diagnose, figure1
from cossim.cli.main import COMMANDS, build_parser, main

PACKAGE = Path(cossim.__file__).parent
#: Layers, bottom first: a module may import its own layer and the ones below.
LAYERS = {"_validation": 0, "linalg": 1, "paper": 2, "figure1": 3, "beyond": 3, "cli": 4}


def test_every_command_is_registered_with_its_run_function():
    parser = build_parser()
    args = parser.parse_args(["figure1", "--out", "x"])
    assert args.func is figure1.run
    args = parser.parse_args(["diagnose", "--users", "P.npy", "--items", "Q.npy"])
    assert args.func is diagnose.run
    assert COMMANDS == (figure1, diagnose)


@pytest.mark.parametrize("argv, match", [([], "COMMAND"), (["figure2"], "invalid choice"),
                                         (["figure1"], "--out")])
def test_usage_errors_are_one_line_exit_2(argv, match, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error:") and match in err
    assert "--help" in err


def test_success_is_exit_0(tmp_path, capsys):
    assert main(["figure1", "--out", str(tmp_path), "--users", "300", "--items", "30",
                 "--clusters", "2", "--rank", "3", "--neighbours", "3"]) == 0
    assert capsys.readouterr().err == ""


def test_module_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "cossim", "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0
    assert "figure1" in result.stdout and "diagnose" in result.stdout


def _imports(path: Path) -> set:
    """Absolute names of the cossim modules that `path` imports (at any depth of the file)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if path.name == "__init__.py":
        module = package
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("cossim"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("cossim"):
                found.add(name)
    return found


def _layer(module: str):
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_numerics_never_import_the_command_line():
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts or path.name == "__main__.py":
            continue
        assert not any(name.startswith("cossim.cli") for name in _imports(path)), path


def test_imports_run_one_way():
    """cli → figure1/beyond → paper → linalg → _validation, never back."""
    for path in PACKAGE.rglob("*.py"):
        if path.parent == PACKAGE and path.name in ("__init__.py", "__main__.py"):
            continue  # the flat public API and the entry point sit above every layer
        here = _layer(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        for name in _imports(path):
            there = _layer(name)
            assert there is None or there <= here, f"{path.relative_to(PACKAGE)} imports {name}"


def test_figure1_modules_have_no_import_cycle():
    """pipeline does not import plotting, and panels imports neither (no experiment ↔ plotting)."""
    folder = PACKAGE / "figure1"
    graph = {p.stem: {n.rsplit(".", 1)[1] for n in _imports(p)
                      if n.startswith("cossim.figure1.")}
             for p in folder.glob("*.py") if p.name != "__init__.py"}
    assert graph["panels"] == set()
    assert "plotting" not in graph["pipeline"]
    seen, stack = set(), []

    def visit(node):
        assert node not in stack, f"import cycle: {stack + [node]}"
        if node in seen:
            return
        stack.append(node)
        for nxt in graph.get(node, ()):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for node in graph:
        visit(node)
