"""The README states the commands that the tests and CI actually run."""

import re

from support.book import ROOT

import cossim

README = (ROOT / "README.md").read_text(encoding="utf-8")

BUILD = "pip install -r requirements.txt && jupyter-book build ."
TEST = "pip install -r requirements.txt && pytest"


def test_two_commands_are_in_the_readme():
    assert BUILD in README
    assert TEST in README
    assert "_build/html/index.html" in README


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST in ci


def test_jupyterlab_commands_match_the_automated_path():
    """tests/book/test_jupyterlab_path.py runs exactly these commands."""
    for command in ("jupytext --to ipynb book/", "jupyter execute --inplace book/",
                    "jupytext-config set-default-viewer markdown myst"):
        assert command in README, command


def test_every_public_function_in_the_readme_exists():
    """Each `name(` listed in the README's API table is exported by cossim."""
    table = README[README.index("## The `cossim` API"):README.index("## The command-line tool")]
    names = set(re.findall(r"`([a-z_0-9]+)\(", table))
    assert len(names) > 30
    missing = sorted(n for n in names if not hasattr(cossim, n))
    assert not missing, missing
