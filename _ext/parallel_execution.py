"""Sphinx extension: execute the book's notebooks several at a time, before Sphinx reads them.

Why: MyST-NB executes a notebook while Sphinx reads it, so a Jupyter Book 1 build executes
the chapters one after another and leaves every core but one idle; the command line of
``jupyter-book build`` has no option for parallel reading. On the project's 2-core machine
the chapters' execution is nearly all of a cold build (issue 16, ``benchmarks/README.md``).

How: when MyST-NB's execution mode is ``force`` and more than one worker is configured,

1. at ``builder-inited`` MyST-NB's configuration *for this build* is switched to its
   ``cache`` mode, with a jupyter-cache that belongs to this build only
   (``<build dir>/.jupyter_cache_parallel``, emptied first);
2. at ``env-before-read-docs`` every notebook Sphinx is about to read is read with
   MyST-NB's own reader and executed, ``parallel_execution_workers`` at a time, by
   jupyter-cache's ``single_nb_execution``: the call MyST-NB's ``force`` mode makes, with
   the same working directory, cell timeout and allow-errors setting (the page's own
   ``mystnb`` metadata merged in, as MyST-NB merges it). The build's main
   thread writes each result into that cache and prints a line as each notebook
   finishes; on an error or Ctrl-C it starts no more and kills the running kernels;
3. MyST-NB then reads each page, finds its executed notebook in the cache (keyed by the
   hash of its code cells) and renders it without executing it again.

So each page Sphinx reads is executed exactly once in this build, as in ``force`` mode;
nothing is kept from an earlier build. A notebook whose execution fails stops the build
with its traceback when ``nb_execution_raise_on_error`` is set (as MyST-NB does); otherwise
it is rendered as far as it ran, with a warning. Pages that set their own MyST-NB
``execution_mode``, pages excluded from execution, and builds in any mode but ``force``
are left to MyST-NB. The book's pages then show "cache" as their execution method.

Configuration (``sphinx: config:`` in ``_config.yml``):

* ``parallel_execution_workers``: notebooks executed at once; 0 (the default) means one
  per available CPU, and 1 leaves execution to MyST-NB;
* ``parallel_execution_first``: docnames to start first (the slowest chapters), so that
  the workers finish together; the rest follow in Sphinx's order.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import nullcontext
from pathlib import Path, PurePosixPath

from sphinx.errors import ExtensionError
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
CACHE_FOLDER = ".jupyter_cache_parallel"


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(configured: int) -> int:
    """Notebooks to execute at once: `configured`, or one per available CPU if it is 0."""
    if not isinstance(configured, int) or configured < 0:
        raise ExtensionError(f"parallel_execution_workers must be an integer >= 0, got {configured!r}")
    return configured or available_cpus()


def execution_order(docnames, first) -> list[str]:
    """`docnames` with those named in `first` at the front, in the order `first` gives."""
    docnames = sorted(docnames)
    front = [name for name in first if name in docnames]
    return front + [name for name in docnames if name not in front]


def switch_to_build_cache(app) -> None:
    """``builder-inited``: in ``force`` mode with several workers, read pages from this build's cache."""
    config = app.env.mystnb_config
    app.env.parallel_execution = None
    if config.execution_mode != "force" or worker_count(app.config.parallel_execution_workers) < 2:
        return
    cache_path = Path(app.outdir).parent / CACHE_FOLDER
    shutil.rmtree(cache_path, ignore_errors=True)
    app.env.mystnb_config = config.copy(execution_mode="cache", execution_cache_path=str(cache_path))
    app.env.parallel_execution = {"cache": str(cache_path), "config": config}


def notebook_to_execute(env, docname: str):
    """(notebook, configuration) of `docname` exactly as MyST-NB will read them (the page's
    own ``mystnb`` metadata merged in), or None if MyST-NB would not take the page from the
    cache: not a notebook, excluded from execution, or with its own execution mode."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    config = env.parallel_execution["config"]
    path = Path(env.doc2path(docname))
    text = path.read_text(encoding=env.config.source_encoding)
    reader = create_nb_reader(str(path), env.myst_config, config, text)
    if reader is None:
        return None
    posix = PurePosixPath(path.as_posix())
    if any(posix.match(pattern) for pattern in config.execution_excludepatterns):
        return None
    notebook = reader.read(text)
    overrides = nb_node_to_dict(notebook.metadata.get(config.metadata_key, {}))
    if "execution_mode" in overrides:
        return None
    overrides.pop("output_folder", None)  # as MyST-NB: never set per page
    try:
        config = config.copy(**overrides)
    except Exception:  # noqa: BLE001 - MyST-NB warns about it when it reads the page
        pass
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    for pattern, alias in (config.kernel_rgx_aliases or {}).items():
        if kernel is not None and re.fullmatch(pattern, kernel):
            notebook.metadata["kernelspec"]["name"] = alias
            break
    return notebook, config


def tracked_kernel_manager(kernels: list):
    """A kernel manager class for nbclient that records every instance in `kernels`, so
    that the build's main thread can stop the kernels on an error or Ctrl-C."""
    from jupyter_client.manager import AsyncKernelManager

    class TrackedKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            kernels.append(self)

    return TrackedKernelManager


def kill_kernels(kernels: list) -> None:
    """Kill the process of every kernel in `kernels` that still runs; its client then stops."""
    for manager in kernels:
        process = getattr(manager.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()


def execute_notebook(notebook, cwd: str | None, config, kernels: list):
    """Execute `notebook` in place as MyST-NB's ``force`` mode does (same call and settings),
    in `cwd` (a temporary folder if None); its kernel manager is recorded in `kernels`."""
    from jupyter_cache.executors.utils import single_nb_execution

    folder = tempfile.TemporaryDirectory() if cwd is None else nullcontext(cwd)
    with folder as path:
        return single_nb_execution(notebook, cwd=os.path.abspath(path),
                                   allow_errors=config.execution_allow_errors,
                                   timeout=config.execution_timeout, meta_override=True,
                                   kernel_manager_class=tracked_kernel_manager(kernels))


def execute_before_reading(app, env, docnames) -> None:
    """``env-before-read-docs``: execute the notebooks among `docnames` into this build's cache."""
    state = getattr(env, "parallel_execution", None)
    if not state:
        return
    pages = {}  # docname: (notebook, its configuration)
    for name in execution_order(docnames, app.config.parallel_execution_first):
        page = notebook_to_execute(env, name)
        if page is not None:
            pages[name] = page
    if not pages:
        return
    workers = min(worker_count(app.config.parallel_execution_workers), len(pages))
    LOGGER.info(f"executing {len(pages)} notebooks, {workers} at a time: {', '.join(pages)}")
    kernels = []
    with ThreadPoolExecutor(max_workers=workers) as pool:  # the work is in the kernels
        running = {}
        for name, (notebook, config) in pages.items():  # the pool starts them in this order
            cwd = None if config.execution_in_temp else str(Path(env.doc2path(name)).parent.resolve())
            running[pool.submit(execute_notebook, notebook, cwd, config, kernels)] = name
        try:
            _collect(running, pages, env, state["cache"])
        except BaseException:  # an error, or Ctrl-C: start nothing more, stop what runs
            for future in running:
                future.cancel()
            kill_kernels(kernels)
            # and again until every worker is done: a kernel may have been starting just now
            while wait(running, timeout=0.5).not_done:
                kill_kernels(kernels)
            raise


def _collect(running: dict, pages: dict, env, cache_path: str) -> None:
    """Cache each executed notebook as it finishes (from this thread only) and report progress."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(cache_path)
    start, total = time.perf_counter(), len(running)
    while running:
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            name = running.pop(future)
            notebook, config = pages[name]
            result = future.result()
            if result.err is not None:
                # the cell's error (its source and traceback); the whole stack if asked
                detail = result.exc_string if config.execution_show_tb else str(result.err)
                text = f"executing {name} failed: {type(result.err).__name__}\n{detail}"
                if config.execution_raise_on_error:
                    raise ExtensionError(text)
                LOGGER.warning(text, type="mystnb", subtype="exec")
            cache.cache_notebook_bundle(CacheBundleIn(notebook, str(env.doc2path(name)),
                                                      data={"execution_seconds": result.time}),
                                        check_validity=False, overwrite=True)
            LOGGER.info(f"executed {name} in {result.time:.1f} s ({total - len(running)} of {total} "
                        f"done, {time.perf_counter() - start:.0f} s so far)")


def setup(app):
    app.add_config_value("parallel_execution_workers", 0, "env", types=[int])
    app.add_config_value("parallel_execution_first", [], "env", types=[list, tuple])
    app.connect("builder-inited", switch_to_build_cache, priority=900)  # after MyST-NB's own
    app.connect("env-before-read-docs", execute_before_reading)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
