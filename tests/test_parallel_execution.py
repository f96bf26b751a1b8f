"""_ext/parallel_execution.py: the build executes notebooks several at a time, each once."""

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from sphinx.errors import ExtensionError
from support.book import ROOT
from support.sphinx_project import (
    CONF_EXECUTE,
    NOTEBOOK_FRONT_MATTER,
    build_sphinx_project,
    checkout_env,
    write_sphinx_project,
)

_spec = importlib.util.spec_from_file_location("parallel_execution", ROOT / "_ext" / "parallel_execution.py")
parallel_execution = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(parallel_execution)


def test_the_first_named_start_first_and_the_rest_keep_sphinx_order():
    order = parallel_execution.execution_order({"b", "a", "d", "c"}, ["d", "missing", "b"])
    assert order == ["d", "b", "a", "c"]


def test_worker_count():
    assert parallel_execution.worker_count(3) == 3
    assert parallel_execution.worker_count(0) == parallel_execution.available_cpus() >= 1
    for bad in (-1, 1.5, "2"):
        with pytest.raises(ExtensionError, match="parallel_execution_workers must be an integer >= 0"):
            parallel_execution.worker_count(bad)


class _Config(SimpleNamespace):
    def copy(self, **changes):
        return _Config(**{**vars(self), **changes})


@pytest.mark.parametrize(("mode", "workers", "switched"),
                         [("force", 2, True), ("force", 1, False), ("cache", 2, False),
                          ("off", 2, False), ("auto", 2, False)])
def test_only_force_mode_with_several_workers_reads_from_the_build_cache(tmp_path, mode, workers,
                                                                         switched):
    stale = tmp_path / parallel_execution.CACHE_FOLDER / "stale"
    stale.mkdir(parents=True)
    config = _Config(execution_mode=mode, execution_cache_path="")
    app = SimpleNamespace(env=SimpleNamespace(mystnb_config=config), outdir=str(tmp_path / "html"),
                          config=SimpleNamespace(parallel_execution_workers=workers))
    parallel_execution.switch_to_build_cache(app)
    if switched:
        assert app.env.mystnb_config.execution_mode == "cache"
        assert app.env.mystnb_config.execution_cache_path == str(stale.parent)
        assert app.env.parallel_execution["config"] is config
        assert not stale.exists(), "a cache of an earlier build must not be reused"
    else:
        assert app.env.mystnb_config is config and app.env.parallel_execution is None
        assert stale.exists()


def test_the_book_loads_the_extension_and_names_existing_chapters():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"]["parallel_execution"] == "_ext/"
    first = config["sphinx"]["config"]["parallel_execution_first"]
    assert len(first) >= 3
    for docname in first:
        assert (ROOT / f"{docname}.md").is_file(), docname


def page(name: str, body: str) -> str:
    return NOTEBOOK_FRONT_MATTER + f"# {name}\n\n```{{code-cell}} ipython3\n{body}\n```\n"


def rendezvous(folder, me: str, other: str) -> str:
    """A cell that records its run, then waits (at most 120 s) until `other` has started:
    two pages that both finish were executed at the same time."""
    return (f"import pathlib, time\nfolder = pathlib.Path({str(folder)!r})\n"
            f"with open(folder / 'runs.txt', 'a') as f:\n    f.write({me!r} + '\\n')\n"
            f"(folder / {me!r}).touch()\n"
            f"deadline = time.monotonic() + 120\n"
            f"while not (folder / {other!r}).exists():\n"
            f"    assert time.monotonic() < deadline, 'the other page never started'\n"
            f"    time.sleep(0.05)\n"
            f"print('{me} met {other}')")


def conf(workers: int) -> str:
    return (f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
            'extensions = ["myst_nb", "parallel_execution"]\n'
            f"parallel_execution_workers = {workers}\nparallel_execution_first = ['b']\n" + CONF_EXECUTE)


@pytest.mark.book
def test_two_pages_execute_at_the_same_time_and_each_once(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    pages = {"index.md": "# Index\n\n```{toctree}\na\nb\nplain\n```\n",
             "a.md": page("A", rendezvous(marks, "a", "b")),
             "b.md": page("B", rendezvous(marks, "b", "a")),
             "plain.md": "# Plain\n\nNo code here.\n"}
    out, result = build_sphinx_project(tmp_path, conf(2), pages, warnings_are_errors=True, quiet=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "executing 2 notebooks, 2 at a time: b, a" in result.stdout
    for me, other in (("a", "b"), ("b", "a")):
        assert f"{me} met {other}" in re.sub(r"<[^>]+>", "", (out / f"{me}.html").read_text(encoding="utf-8"))
    # MyST-NB found both in the cache: neither page was executed a second time
    assert sorted((marks / "runs.txt").read_text().split()) == ["a", "b"]


def with_mystnb(text: str, settings: str) -> str:
    """`text` (a page) with a ``mystnb:`` block of page settings in its front matter."""
    return text.replace("kernelspec:", f"mystnb:\n{settings}kernelspec:", 1)


@pytest.mark.book
def test_a_pages_own_settings_are_used(tmp_path):
    """A page that allows errors is rendered with its error; a page with its own execution
    mode is left to MyST-NB (here: not executed at all)."""
    marks = tmp_path / "marks"
    marks.mkdir()
    runs = str(marks / "runs.txt")
    pages = {"index.md": "# Index\n\n```{toctree}\nlenient\nskipped\nplain\n```\n",
             "lenient.md": with_mystnb(page("Lenient", f"open({runs!r}, 'a').write('lenient\\n')\n"
                                                      "1 / 0"), "  execution_allow_errors: true\n"),
             "skipped.md": with_mystnb(page("Skipped", f"open({runs!r}, 'a').write('skipped\\n')"),
                                       "  execution_mode: 'off'\n"),
             "plain.md": page("Plain", f"open({runs!r}, 'a').write('plain\\n')\nprint('plain ran')")}
    out, result = build_sphinx_project(tmp_path, conf(2), pages, quiet=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "executing 2 notebooks, 2 at a time: lenient, plain" in result.stdout
    assert "ZeroDivisionError" in (out / "lenient.html").read_text(encoding="utf-8")
    assert sorted((marks / "runs.txt").read_text().split()) == ["lenient", "plain"]


@pytest.mark.book
def test_a_failing_cell_stops_the_build_and_names_the_page(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    counting = f"open({str(marks / 'runs.txt')!r}, 'a').write('bad\\n')\n1 / 0"
    pages = {"index.md": "# Index\n\n```{toctree}\nbad\ngood\n```\n",
             "bad.md": page("Bad", counting), "good.md": page("Good", "print('fine')")}
    _, result = build_sphinx_project(tmp_path, conf(2), pages, quiet=False)
    assert result.returncode != 0
    assert "executing bad failed: CellExecutionError" in result.stderr
    assert "ZeroDivisionError" in result.stderr
    assert (marks / "runs.txt").read_text().split() == ["bad"]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/status").is_file() and "zombie" in Path(f"/proc/{pid}/status").read_text()


@pytest.mark.book
def test_ctrl_c_stops_the_build_and_its_kernels(tmp_path):
    """Ctrl-C while two notebooks run: the build stops and both kernels are gone (a build
    that waited for them would take ten minutes)."""
    marks = tmp_path / "marks"
    marks.mkdir()
    sleeper = "import os, pathlib, time\npathlib.Path({!r}).write_text(str(os.getpid()))\ntime.sleep(600)"
    pages = {"index.md": "# Index\n\n```{toctree}\na\nb\nc\n```\n",
             **{f"{n}.md": page(n, sleeper.format(str(marks / n))) for n in "abc"}}
    src = write_sphinx_project(tmp_path, conf(2) + "nb_execution_timeout = 900\n", pages)
    # a terminal's foreground job: SIGINT raises KeyboardInterrupt (even if pytest's parent ignores it)
    run = ("import runpy, signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
           f"sys.argv = ['sphinx', '-b', 'html', {str(src)!r}, {str(tmp_path / 'html')!r}]\n"
           "runpy.run_module('sphinx', run_name='__main__')")
    build = subprocess.Popen([sys.executable, "-c", run], start_new_session=True, env=checkout_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 240
        while not ((marks / "a").is_file() and (marks / "b").is_file()):
            assert build.poll() is None and time.monotonic() < deadline, "the kernels never started"
            time.sleep(0.2)
        time.sleep(0.5)  # both files written
        os.killpg(build.pid, signal.SIGINT)
        output, _ = build.communicate(timeout=120)
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
    assert build.returncode != 0 and "Interrupted" in output, output[-2000:]
    assert not (marks / "c").exists(), "a notebook started after Ctrl-C"
    kernels = [int((marks / n).read_text()) for n in "ab"]
    deadline = time.monotonic() + 60
    while not all(_gone(pid) for pid in kernels):
        assert time.monotonic() < deadline, "a kernel outlived the build"
        time.sleep(0.2)
