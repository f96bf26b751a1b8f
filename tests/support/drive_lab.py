"""Drive every notebook page through JupyterLab's UI, in a process of its own.

This is the work behind ``tests/book/test_jupyterlab_ui.py`` (the README's JupyterLab
path, issue 14). ``tests/conftest.py`` starts it right after collection, beside the unit
tests and the book's execution, so that its work overlaps theirs instead of following
it. The UI tests read :data:`RESULTS` at the end of the session and judge it.

What it does: it copies ``book/`` and ``jupytext.toml`` into a reader's folder (a chapter
with small test parameters, ``support/chapter_params.py``, gets them written into its
``parameters`` cell there), starts one ``jupyter lab`` on it (``support/jupyterlab.py``),
and for every notebook page, in headless Chromium driven by Playwright, opens the chapter
from the file browser, chooses *Run → Run All Cells*, waits until every cell ran, reads
what the notebook shows (``COLLECT_JS``), takes a screenshot and saves it (Ctrl+S).

Two chapters are driven at a time (:data:`CONCURRENT_PAGES`), each worker thread with its
own Playwright and Chromium, both on the one server with a kernel per chapter. A worker
keeps its JupyterLab page from one chapter to the next, as a reader would: the first
chapter it takes is opened the README's way from a fresh page (double-click ``book``, then
the chapter); for each later one it closes the saved chapter's tab (*File → Close All
Tabs*) and double-clicks the next chapter in the same file browser. Loading JupyterLab
anew for each chapter cost about 5 s of CPU more per chapter (measured). After a chapter
that failed, the worker starts again from a fresh page.

Run as a script (what tests/conftest.py starts)::

    python tests/support/drive_lab.py OUT_DIR

``OUT_DIR/results.json`` then holds, per page, what the notebook showed (or the error),
and where its file was kept before opening and after saving; screenshots and a
``summary.json`` go to ``OUT_DIR/shots`` (or ``$COSSIM_LAB_SHOTS``).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import queue
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `support` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jupytext  # noqa: E402
import pytest  # noqa: E402
from jupytext.config import load_jupytext_configuration_file  # noqa: E402

import support.browser as bu  # noqa: E402
import support.jupyterlab as jl  # noqa: E402
from support.book import BOOK, ROOT, chapters_in_toc  # noqa: E402
from support.execute_book import write_json  # noqa: E402

RESULTS = "results.json"
RUN_TIMEOUT_S = 1800
#: The probe page's three tiny cells run in well under a second: if *Run All* does not
#: return soon after its failing cell, that is the failure the probe is there to catch.
PROBE_RUN_TIMEOUT_S = 300
#: Every wait for the page (opening, clicking, navigating). Generous: the machine is
#: busy with the unit tests and the book's execution while this runs.
STEP_TIMEOUT_MS = 600_000
#: Chapters driven at once. The machine (and CI) has 2 cores; driving one chapter at a
#: time kept only about one busy, since a kernel runs one cell at a time while the
#: browser waits for it (measured in round 3 of issue 16: 273 s of CPU over 262 s).
CONCURRENT_PAGES = 2
#: Taken first, so that the workers finish together: the slowest chapters at the test
#: parameters (about 30 s each from opening to saved, the others 10 to 21 s).
SLOWEST = ("04_experiments", "03_2_remedies_in_training")
#: A page that is not in the book, driven like the chapters (right after SLOWEST), whose
#: second cell fails on purpose: the UI tests require the failure to be caught and the
#: page after it, in the same kept page, to be driven as usual.
PROBE = "zz_failing_cell"
PROBE_TEXT = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  name: python3
  display_name: Python 3 (ipykernel)
  language: python
---

# A cell that fails

```{code-cell} ipython3
before = 1
```

```{code-cell} ipython3
raise ValueError("failing on purpose (tests/support/drive_lab.py)")
```

```{code-cell} ipython3
after = 2
```
"""


def notebook_pages() -> list[str]:
    """The landing page and every chapter of _toc.yml that is a notebook (has code)."""
    stems = ["index"] + chapters_in_toc()
    return [s for s in stems if "```{code-cell}" in (BOOK / f"{s}.md").read_text(encoding="utf-8")]


def with_parameters(path: Path, params: dict) -> None:
    """Write `params` into the ``parameters`` cell of the chapter at `path`, in the form
    jupytext writes (so that saving it from JupyterLab must leave it unchanged)."""
    if not params:
        return
    config = load_jupytext_configuration_file(str(ROOT / "jupytext.toml"))
    nb = jupytext.read(path, config=config)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    lines = [f"{name} = {value!r}" for name, value in params.items()]
    cell.source = cell.source.rstrip("\n") + "\n# small test values (tests/support/chapter_params.py)\n" \
        + "\n".join(lines)
    jupytext.write(nb, path, fmt="md:myst", config=config)


def make_reader(root: Path, stems) -> Path:
    """A reader's checkout without the code: book/ and jupytext.toml, copied, with the test
    parameters written into the chapters that have them."""
    from support.chapter_params import CHAPTER_PARAMS

    shutil.copytree(BOOK, root / "book", ignore=shutil.ignore_patterns("*.ipynb", "_build",
                                                                       ".ipynb_checkpoints"))
    shutil.copy2(ROOT / "jupytext.toml", root / "jupytext.toml")
    for stem in stems:
        with_parameters(root / "book" / f"{stem}.md", CHAPTER_PARAMS.get(stem, {}))
    return root


class _Clock:
    """Seconds of each step of one chapter, and when it started (from the phase's start)."""

    def __init__(self, t0: float):
        self.last = time.monotonic()
        self.laps = {"started_at": round(self.last - t0, 1)}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name], self.last = round(now - self.last, 1), now


def _screenshot(page, path: Path) -> str:
    """Where the screenshot of a failed chapter went (a dead page must not hide the error)."""
    try:
        page.screenshot(path=str(path))
    except Exception as exc:  # noqa: BLE001 - the chapter's own error is the one to report
        return f"no screenshot: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return f"screenshot {path}"


class _Worker:
    """One worker thread's browser and the JupyterLab page it keeps between chapters."""

    def __init__(self, browser, lab, shots: Path, t0: float):
        self.browser, self.lab, self.shots, self.t0 = browser, lab, shots, t0
        self.context = self.page = None

    def _fresh_page(self):
        self.close()
        self.context = self.browser.new_context(viewport={"width": 1400, "height": 1000},
                                                service_workers="block")
        self.context.set_default_timeout(STEP_TIMEOUT_MS)
        self.context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
        bu.NetworkGuard().install(self.context)  # the browser stays on this machine
        self.page = self.context.new_page()

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.page = None

    def drive(self, path: Path) -> dict:
        """Open, run, read, screenshot and save one chapter; its record for results.json."""
        stem = path.stem
        n_cells = len(jupytext.read(path).cells)
        clock = _Clock(self.t0)
        try:
            if self.page is None:
                self._fresh_page()
                jl.open_chapter(self.page, self.lab, stem, n_cells, timeout_ms=STEP_TIMEOUT_MS)
                clock.laps["page"] = "fresh"
            else:
                jl.open_next_chapter(self.page, stem, n_cells, timeout_ms=STEP_TIMEOUT_MS)
                clock.laps["page"] = "kept"
            clock.lap("open")
            jl.run_all(self.page, PROBE_RUN_TIMEOUT_S if stem == PROBE else RUN_TIMEOUT_S,
                       start_s=STEP_TIMEOUT_MS / 1000)
            clock.lap("run")
            data = self.page.evaluate(jl.COLLECT_JS)
            self.page.screenshot(path=str(self.shots / f"{stem}.png"))
            jl.save(self.page, path, timeout_s=STEP_TIMEOUT_MS / 1000)
            clock.lap("collect_save")
            return {"data": data, "error": None, "summary": {**jl.summarise(data), "seconds": clock.laps}}
        except Exception as exc:  # noqa: BLE001 - reported by every test of the chapter
            where = _screenshot(self.page, self.shots / f"{stem}.png") if self.page else "no page"
            self.close()  # the next chapter starts from a fresh page
            return {"data": None, "summary": None,
                    "error": f"{type(exc).__name__}: {exc} ({where}; server log {self.lab.log_path})"}


def drive_from(todo: queue.SimpleQueue, chromium: str, lab, shots: Path, t0: float) -> dict:
    """One worker thread: its own Playwright and Chromium (Playwright's sync API is not
    thread-safe), driving chapters taken from `todo` until none is left; {stem: record}."""
    out = {}
    with bu.launch_chromium(chromium) as browser:
        worker = _Worker(browser, lab, shots, t0)
        try:
            while True:
                try:
                    path = todo.get_nowait()
                except queue.Empty:
                    return out
                out[path.stem] = worker.drive(path)
        finally:
            worker.close()


def drive_all(reader: Path, stems, chromium: str, lab, shots: Path) -> dict:
    """Every page in `stems` driven once, :data:`SLOWEST` first, then the :data:`PROBE`
    page, then the others in the book's order; {stem: record}, the probe's included."""
    todo = queue.SimpleQueue()
    ordered = sorted(stems, key=lambda s: s not in SLOWEST)  # stable: book order after
    at = sum(s in SLOWEST for s in ordered)
    for stem in ordered[:at] + [PROBE] + ordered[at:]:
        todo.put(reader / "book" / f"{stem}.md")
    t0, done = time.monotonic(), {}
    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_PAGES) as pool:
        workers = [pool.submit(drive_from, todo, chromium, lab, shots, t0)
                   for _ in range(CONCURRENT_PAGES)]
        for worker in workers:
            done.update(worker.result())  # re-raises a worker's crash (or Chromium missing)
    return done


#: The server of the run in progress, for :func:`_stop`.
_RUNNING: dict = {}


def _stop(signum, frame):
    """On SIGTERM (how tests/conftest.py ends an unfinished run): stop the server and its
    kernels, and exit at once. Raising SystemExit instead would wait for the worker
    threads, which may be waiting on the browser for minutes; at this process's exit,
    Playwright's driver closes the browsers it started."""
    server = _RUNNING.get("server")
    if server is not None:
        server.stop()
    os._exit(128 + signum)


def main(out_dir: str) -> None:
    signal.signal(signal.SIGTERM, _stop)
    out = Path(out_dir)
    stems = notebook_pages()
    record = {"unavailable": None, "lab": None, "pages": {}, "probe": None}
    server = None
    try:
        chromium = bu.chromium_path(("jupyterlab", "jupyterlab_myst"))
        reader = make_reader(out / "reader", stems)
        (reader / "book" / f"{PROBE}.md").write_text(PROBE_TEXT, encoding="utf-8")
        (out / "before").mkdir(parents=True)
        for stem in stems:
            shutil.copy2(reader / "book" / f"{stem}.md", out / "before" / f"{stem}.md")
        shots = Path(os.environ.get("COSSIM_LAB_SHOTS") or out / "shots")
        shots.mkdir(parents=True, exist_ok=True)
        server = _RUNNING["server"] = jl.LabServer(reader, out / "home", pythonpath=ROOT)
        server.configure()
        server.start()
        record["lab"] = {"home": str(server.home), "log": str(server.log_path),
                         "env": {k: server.env[k] for k in ("HOME", "JUPYTER_CONFIG_DIR")}}
        done = drive_all(reader, stems, chromium, server, shots)
        for stem in stems:
            after = reader / "book" / f"{stem}.md"
            record["pages"][stem] = {**done[stem], "before": str(out / "before" / f"{stem}.md"),
                                     "after": None if done[stem]["error"] else str(after)}
        record["probe"] = done[PROBE]
        # what each chapter showed, for a person to read (COSSIM_LAB_SHOTS keeps it)
        summary = {stem: done[stem]["summary"] for stem in stems if done[stem]["summary"]}
        (shots / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:  # what bu.unavailable raises
        record["unavailable"] = {"skip": isinstance(exc, pytest.skip.Exception), "reason": str(exc)}
    except Exception:  # noqa: BLE001 - the tests report it
        record["crash"] = traceback.format_exc()
    finally:
        if server is not None:
            server.stop()
    write_json(out / RESULTS, record)


if __name__ == "__main__":
    main(sys.argv[1])
