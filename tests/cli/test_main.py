"""Tests of cossim.cli.main: the parser and the command registry.

The CLI's place in the package (nothing below it imports it) is held by the
import-linter contract, run by tests/test_architecture.py.
"""

import subprocess
import sys

import pytest

from cossim.cli import diagnose, figure1
from cossim.cli.main import COMMANDS, build_parser, main


def test_every_command_is_registered_with_its_run_function():
    parser = build_parser()
    args = parser.parse_args(["figure1", "--out", "x"])
    assert args.func is figure1.run
    args = parser.parse_args(["diagnose", "--user-factors", "P.npy", "--item-factors", "Q.npy"])
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
    assert main(["figure1", "--out", str(tmp_path), "--users", "300", "--items", "30", "--lam2", "5",
                 "--clusters", "2", "--rank", "3", "--neighbours", "3"]) == 0
    assert capsys.readouterr().err == ""


def test_module_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "cossim", "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0
    assert "figure1" in result.stdout and "diagnose" in result.stdout


def test_version_prints_the_package_version():
    import cossim

    result = subprocess.run([sys.executable, "-m", "cossim", "--version"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"cossim {cossim.__version__}\n"
