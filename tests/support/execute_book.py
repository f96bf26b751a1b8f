"""Execute every chapter of the book once with papermill, and render the book from the results.

CI executes each chapter exactly once, at the paper's scale (the defaults of its
``parameters`` cell), with papermill. The book is then rendered from those executed
notebooks, so the pages the tests check hold exactly the outputs papermill produced:

1. :func:`execute_chapters` reads each chapter with MyST-NB's own reader (the one the
   book build uses), writes it as ``.ipynb`` and runs it with papermill, two chapters
   at a time (the machine has two cores), each kernel with one BLAS thread (results do
   not depend on the thread count: ``tests/book/test_determinism.py``);
2. :func:`cache_executed` stores each executed notebook in a jupyter-cache, keyed by
   the hash of its code cells, exactly as MyST-NB's ``cache`` execution mode keys them;
3. :func:`render_book` runs ``jupyter-book build -W -n --keep-going`` with the project's
   ``_config.yml`` changed in two lines only (``execute_notebooks: cache`` and that
   cache's path), so every chapter's outputs come from step 1. A chapter whose source
   changed after step 1 would miss the cache and run again; ``tests/book/test_book.py``
   requires every page to come from the cache.

The README's build command is untouched: it executes every chapter itself.

Run as a script to do steps 1-3 into a folder (what ``tests/conftest.py`` starts in the
background while the unit tests run)::

    python tests/support/execute_book.py OUT_DIR [--twice] [--only-parts]

It writes ``OUT_DIR/results.json`` when the book is rendered. With ``--twice`` it then
executes the seeded chapters (``support.chapter_params.SEEDED_CHAPTERS``) twice more at
their test parameters, both runs of a chapter side by side, into ``OUT_DIR/twice/first``
and ``OUT_DIR/twice/second``, and writes ``OUT_DIR/twice.json`` (what
``tests/book/test_determinism.py`` compares). ``--only-parts`` skips the book itself
(a session that runs the determinism test but nothing that needs the book).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `support` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from support.book import BOOK, ROOT, chapters_in_toc  # noqa: E402

#: Chapters that take longest at full scale start first, so two workers finish together: the
#: order the book's own build uses (``parallel_execution_first`` in _config.yml).
LONGEST_FIRST = tuple(Path(name).name for name in yaml.safe_load(
    (ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]["parallel_execution_first"])
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
RESULTS = "results.json"


def notebook_pages() -> list[str]:
    """Every page of the table of contents (landing page included) that has code cells."""
    stems = ["index"] + chapters_in_toc()
    stems = [s for s in stems if "code-cell" in (BOOK / f"{s}.md").read_text(encoding="utf-8")]
    first = [s for s in LONGEST_FIRST if s in stems]
    return first + [s for s in stems if s not in first]


def read_chapter(stem: str):
    """The chapter as a notebook, read by MyST-NB exactly as the book build reads it."""
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    path = BOOK / f"{stem}.md"
    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), config=MdParserConfig(),
                                       add_source_map=True, path=str(path))


def _execute_one(stem: str, out_dir: Path, parameters: dict) -> dict:
    import nbformat
    import papermill

    source = out_dir / f"{stem}.source.ipynb"
    nbformat.write(read_chapter(stem), source)
    start = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(str(source), str(out_dir / f"{stem}.ipynb"),
                                   parameters=parameters, kernel_name="python3",
                                   execution_timeout=1800, cwd=str(BOOK), progress_bar=False)
    except Exception as exc:  # noqa: BLE001 - reported per chapter by the tests
        error = f"{type(exc).__name__}: {exc}"[-6000:] or traceback.format_exc()[-6000:]
    return {"stem": stem, "seconds": round(time.perf_counter() - start, 2), "error": error}


def execute_chapters(out_dir: Path, stems=None, parameters=None, workers: int = 2) -> dict:
    """Execute the chapters with papermill into ``out_dir``; return ``{stem: result}``.

    ``parameters`` maps a stem to the values papermill injects (none: the chapter's own
    defaults, the paper's full scale). A chapter that raises is recorded with its error;
    the others still run.
    """
    parameters = parameters or {}
    jobs = [(stem, Path(out_dir), parameters.get(stem, {})) for stem in (stems or notebook_pages())]
    return {r["stem"]: r for r in execute_jobs(jobs, workers)}


def execute_jobs(jobs, workers: int = 2) -> list[dict]:
    """Run each ``(stem, out_dir, parameters)`` of `jobs` with papermill, `workers` at a time
    in the order given, each kernel with one BLAS thread; the results in the same order."""
    for _, out_dir, _ in jobs:
        out_dir.mkdir(parents=True, exist_ok=True)
    saved = {k: os.environ.get(k) for k in THREAD_VARS}
    os.environ.update({k: "1" for k in THREAD_VARS})  # each kernel inherits one BLAS thread
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda job: _execute_one(*job), jobs))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def cache_executed(out_dir: Path, results: dict, cache_dir: Path) -> None:
    """Put every successfully executed chapter into a jupyter-cache at ``cache_dir``.

    The cached notebook is the chapter as MyST-NB reads it, with the outputs and
    execution counts papermill produced copied in cell by cell (papermill's own cell
    metadata would change the hash MyST-NB looks the chapter up by).
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_dir))
    for stem, result in results.items():
        if result["error"]:
            continue
        notebook = read_chapter(stem)
        executed = nbformat.read(Path(out_dir) / f"{stem}.ipynb", as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        ran = [c for c in executed.cells if c.cell_type == "code"]
        if [c.source for c in code] != [c.source for c in ran]:
            raise RuntimeError(f"{stem}: the executed notebook's code cells differ from the chapter's")
        for cell, done in zip(code, ran):
            cell.outputs = done.outputs
            cell.execution_count = done.execution_count
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, str(BOOK / f"{stem}.md"),
                          data={"execution_seconds": result["seconds"], "executor": "papermill"}),
            check_validity=True, overwrite=True)


def render_book(out_dir: Path, cache_dir: Path):
    """``jupyter-book build -W -n --keep-going`` with every chapter's outputs from the cache.

    Returns (html_dir, returncode, log).
    """
    import shutil

    out_dir = Path(out_dir)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["execute_notebooks"] = "cache"
    config["execute"]["cache"] = str(Path(cache_dir).resolve())
    # --config resolves local extensions next to the config file: point them back
    extensions = config["sphinx"].get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in extensions.items()}
    config_path = out_dir / "_config.yml"
    out_dir.mkdir(parents=True, exist_ok=True)
    config_path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    exe = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    result = subprocess.run(
        [exe, "build", str(ROOT), "-W", "-n", "--keep-going", "--config", str(config_path),
         "--path-output", str(out_dir)],
        capture_output=True, text=True, timeout=3600,
    )
    return out_dir / "_build" / "html", result.returncode, result.stdout + result.stderr


def write_json(path: Path, value) -> None:
    """Write `value` as JSON under another name, then rename: a reader waiting for `path`
    (tests/conftest.py) never sees it half written."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(value, indent=1), encoding="utf-8")
    os.replace(part, path)


def execute_twice(out_dir: Path) -> dict:
    """The seeded chapters executed twice at their test parameters, the two runs of a
    chapter side by side (two workers, so they finish together)."""
    from support.chapter_params import CHAPTER_PARAMS, SEEDED_CHAPTERS

    jobs = [(stem, out_dir / name, CHAPTER_PARAMS[stem])
            for stem in SEEDED_CHAPTERS for name in ("first", "second")]
    results = execute_jobs(jobs, workers=2)
    return {"runs": [{r["stem"]: r for r in results[i::2]} for i in (0, 1)]}


def main(out_dir: str, twice: bool = False, book: bool = True) -> None:
    out = Path(out_dir)
    if book:
        results = execute_chapters(out / "executed")
        cache_executed(out / "executed", results, out / "cache")
        html, returncode, log = render_book(out / "render", out / "cache")
        (out / "render.log").write_text(log, encoding="utf-8")
        write_json(out / RESULTS, {"chapters": results, "html": str(html), "returncode": returncode})
    if twice:
        write_json(out / "twice.json", execute_twice(out / "twice"))


if __name__ == "__main__":
    main(sys.argv[1], twice="--twice" in sys.argv[2:], book="--only-parts" not in sys.argv[2:])
