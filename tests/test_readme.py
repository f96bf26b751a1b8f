"""The README states the commands that the tests and CI actually run."""

import contextlib
import io
import re
import subprocess

import numpy as np
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


def _section(heading):
    """The README text from `heading` to the next heading of the same or a higher level."""
    start = README.index(heading)
    level = len(heading.split(" ")[0])
    body = README.index("\n", start)
    following = [m.start() for m in re.finditer(rf"^#{{1,{level}}} ", README[body:], re.M)]
    return README[start:body + following[0]] if following else README[start:]


def test_api_table_renders_as_one_table():
    """A blank line inside the table would end it, and the rest would render as text."""
    from markdown_it import MarkdownIt

    section = _section("### Every function")
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) > 30
    html = MarkdownIt("commonmark").enable("table").render(section)
    assert html.count("<table>") == 1
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    assert body.count("<tr>") == len(rows)
    assert "| <code>" not in html  # no row left over as a paragraph of pipes


def test_json_field_tables_render_and_name_every_field():
    from markdown_it import MarkdownIt

    section = _section("## The command-line tool")
    html = MarkdownIt("commonmark").enable("table").render(section)
    assert html.count("<table>") == 2  # figure1.json and diagnose.json
    report = cossim.diagnose(np.eye(6, 3), np.arange(15.0).reshape(5, 3) % 4, n_neighbours=2)
    missing = [key for key in report.to_dict() if f"`{key}`" not in section]
    assert not missing, missing
    for field in ("parameters", "panels[].name", "panels[].auc", "panels[].neighbour_purity",
                  "panels[].nonzero_columns_of_B", "panels[].definition"):
        assert f"`{field}`" in section, field


def _quick_start():
    section = _section("### Quick start")
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_quick_start_is_five_lines_and_prints_what_the_readme_says():
    code = _quick_start()
    assert len(code.strip().splitlines()) == 5
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md quick start", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "same predictions: True"
    name, value = lines[1].split(": ")
    assert name == "largest cosine difference" and float(value) > 0.1
    # the prose after the block quotes exactly these two lines
    after = _section("### Quick start").split("```")[-1]
    for line in lines:
        assert f"`{line}`" in after, line


def test_build_time_is_the_latest_measured_one():
    """The README quotes the newest cold build of benchmarks/README.md, in seconds and minutes."""
    import re

    bench = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    measured = re.findall(r"^\| book \| cold build, all chapters executed \| ([\d.]+) \|", bench, re.M)
    assert measured, "no cold build recorded in benchmarks/README.md"
    seconds = float(measured[-1])
    stated = re.search(r"The build takes about (\d+) minutes .*?\((\d+) s measured by", README, re.S)
    assert stated, "the README does not state the build time"
    assert int(stated.group(2)) == round(seconds)
    assert int(stated.group(1)) == round(seconds / 60)
    assert "prints nothing for up to a minute and a half" in " ".join(README.split())


def test_undoing_the_jupyterlab_setting_is_a_real_command():
    undo = "jupytext-config unset-default-viewer markdown myst"
    assert undo in README
    done = subprocess.run(["jupytext-config", "unset-default-viewer", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "markdown" in done.stdout or "doctype" in done.stdout


def test_cli_section_shows_the_current_options_and_the_console_script():
    section = _section("## The command-line tool")
    assert "diagnose --user-factors P.npy --item-factors Q.npy" in section
    assert "diagnose --users P.npy" not in README
    assert "`cossim` console" in section and "--version" in section and "--quiet" in section
    assert "numpy.unique(labels, return_inverse=True)[1]" in section
    assert "scipy.sparse.save_npz('X.npz', scipy.sparse.csr_matrix(X))" in section
    assert "--lam1` acts on σ²" in section and "--lam2` acts on σ" in section
