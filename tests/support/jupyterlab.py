"""A private ``jupyter lab`` and what a chapter shows in it (support/drive_lab.py, book/test_jupyterlab_ui.py).

:class:`LabServer` starts ``jupyter lab`` on 127.0.0.1 (a free port, a token) with a
temporary HOME and Jupyter config/data/runtime folders, after running the README's
one-time ``jupytext-config set-default-viewer markdown myst`` against that home, and
stops it again (its kernels through the REST API, then the server's process group).
:func:`open_chapter` and :func:`run_all` drive JupyterLab the way the README tells a
reader to: the file browser, a double click, *Run → Run All Cells*;
:func:`open_next_chapter` opens the next chapter in the same page. :data:`COLLECT_JS`
reads the open notebook (outputs, images, rendered Markdown cells), and the ``problems_*``
functions judge that data in Python, so a self-test can feed them a broken notebook.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

#: Settings written next to the one jupytext-config writes, for the test only: never ask
#: about (or fetch) Jupyter news, and keep every cell in the page (JupyterLab's windowed
#: notebook leaves cells far off screen unrendered, which the checks would miss).
TEST_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}

#: MyST that must not be left as text in a rendered Markdown cell.
RAW_MYST = ("{glue", ":::{", "```{", "{eq}", "{eval}", "{numref}", "{ref}", "{cite", "{prf:")
#: An inline expression jupyterlab-myst could not evaluate shows "<ename>: <evalue>".
EVAL_ERROR = re.compile(r"\b[A-Za-z_]*(Error|Exception)\b: |Unexecuted inline expression")
ERROR_WORDS = ("Traceback", "Error", "Exception", "Warning")


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path(sys.executable).with_name(name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` serving `root`, private to the test (see the module docstring)."""

    def __init__(self, root: Path, home: Path, pythonpath: Path, token: str = "cossim-ui-test"):
        self.root, self.home, self.token = Path(root), Path(home), token
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        dirs = {"HOME": "home", "JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                "JUPYTER_RUNTIME_DIR": "runtime"}
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(pythonpath), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        for var, name in dirs.items():
            (self.home / name).mkdir(parents=True, exist_ok=True)
            self.env[var] = str(self.home / name)
        self.log_path = self.home / "jupyter-lab.log"
        self.process = None

    def configure(self) -> Path:
        """The README's one-time setting, in the temporary home; returns the file it wrote."""
        subprocess.run([_tool("jupytext-config"), "set-default-viewer", "markdown", "myst"],
                       env=self.env, check=True, capture_output=True, text=True, timeout=120)
        path = Path(self.env["JUPYTER_CONFIG_DIR"]) / "labconfig" / "default_setting_overrides.json"
        settings = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({**settings, **TEST_SETTINGS}, indent=2), encoding="utf-8")
        return path

    def start(self, timeout: float = 180.0) -> None:
        args = [_tool("jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")  # jupyter-server refuses root without it (containers)
        with open(self.log_path, "w", encoding="utf-8") as log:
            self.process = subprocess.Popen(args, cwd=self.root, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.process.returncode}):\n{self.log()}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log()}")

    def api(self, method: str, path: str):
        request = urllib.request.Request(self.base + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def stop(self) -> None:
        """Shut down the kernels it started, then end the server's process group."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            kernels = self.api("GET", "/api/kernels") or []
            # all at once: each request waits (about 0.7 s) until its kernel has exited
            with concurrent.futures.ThreadPoolExecutor(max(1, min(len(kernels), 16))) as pool:
                list(pool.map(lambda k: self.api("DELETE", f"/api/kernels/{k['id']}"), kernels))
        except (urllib.error.URLError, OSError):
            pass  # the server is going anyway; its own shutdown stops its kernels
        pgid = os.getpgid(self.process.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def __enter__(self):
        self.configure()
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------------------- driving

def _dir_item(page, name: str):
    text = page.locator(".jp-DirListing-itemText", has_text=re.compile(rf"^{re.escape(name)}$"))
    return page.locator(".jp-DirListing-item", has=text)


KERNEL_IDLE_JS = r"""
(nCells) => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const kernel = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
      .some(e => /^Python 3 \(ipykernel\) \| Idle$/.test(e.textContent.trim()));
  return kernel && nb !== null && nb.querySelectorAll('.jp-Cell').length === nCells;
}
"""


def open_chapter(page, lab: LabServer, stem: str, n_cells: int, timeout_ms: int = 180_000) -> None:
    """A fresh workspace; double-click ``book`` then ``<stem>.md`` in the file browser; wait
    until the notebook shows its `n_cells` cells and its kernel (Python 3) is idle."""
    page.goto(lab.url(f"/lab/workspaces/{stem.replace('_', '-')}?reset"), wait_until="load")
    _dir_item(page, "book").dblclick(timeout=timeout_ms)
    _dir_item(page, f"{stem}.md").dblclick(timeout=timeout_ms)
    page.wait_for_function(KERNEL_IDLE_JS, arg=n_cells, timeout=timeout_ms, polling=500)


def open_next_chapter(page, stem: str, n_cells: int, timeout_ms: int = 180_000) -> None:
    """In a page where a chapter was opened from ``book`` and saved: *File → Close All
    Tabs*, then double-click ``<stem>.md`` in the same file browser; wait as
    :func:`open_chapter` does. A tab with unsaved changes would stop the closing at a
    dialog, so only a saved chapter may be open."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^File$")).click(timeout=timeout_ms)
    page.locator(".lm-Menu-item", has_text="Close All Tabs").first.click(timeout=timeout_ms)
    page.wait_for_function("() => document.querySelector('.jp-NotebookPanel') === null",
                           timeout=timeout_ms, polling=200)
    _dir_item(page, f"{stem}.md").dblclick(timeout=timeout_ms)
    page.wait_for_function(KERNEL_IDLE_JS, arg=n_cells, timeout=timeout_ms, polling=500)


STATE_JS = r"""
() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const failed = [...nb.querySelectorAll('.jp-OutputArea-output')].some(o => {
    const mime = o.getAttribute('data-mime-type') || '';
    return mime.includes('error') || (mime.includes('stderr') && o.textContent.includes('Traceback'));
  });
  return {prompts, status: indicator ? indicator.getAttribute('data-status') : null, failed};
}
"""


def run_all(page, timeout_s: float, start_s: float = 60.0) -> float:
    """*Run → Run All Cells*; wait until every code cell ran and the kernel is idle, or
    until a cell failed (JupyterLab then runs none of the cells after it) and it is idle."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        time.sleep(0.5)
        state = page.evaluate(STATE_JS)
        if not any(re.search(r"\[(\d+|\*)\]", p) for p in state["prompts"]) \
                and time.monotonic() - start > start_s:
            raise TimeoutError(f"Run All Cells did not start within {start_s:.0f} s: {state}")
        done = all(re.search(r"\[\d+\]", p) for p in state["prompts"])
        stopped = state["failed"] and not any("[*]" in p for p in state["prompts"])
        if (done or stopped) and state["status"] == "idle":
            return time.monotonic() - start
    raise TimeoutError(f"Run All did not finish within {timeout_s:.0f} s: {page.evaluate(STATE_JS)}")


def save(page, path: Path, timeout_s: float = 60.0) -> None:
    """Ctrl+S on the notebook; wait until the tab is clean and the file was written."""
    before = path.stat().st_mtime_ns
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.click(
        position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        time.sleep(0.5)
        dirty = page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").count()
        if not dirty and path.stat().st_mtime_ns != before:
            return
    raise TimeoutError(f"saving did not write {path.name} within {timeout_s:.0f} s")


# --------------------------------------------------------------------------- reading and judging

COLLECT_JS = r"""
() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  const textOutside = (root, skip) => {
    const parts = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.parentElement && !n.parentElement.closest(skip)) parts.push(n.textContent);
    }
    return parts.join('');
  };
  const markdown = [...nb.querySelectorAll('.jp-MarkdownCell')].map(cell => {
    const out = cell.querySelector('.jp-InputArea > .myst, .jp-MarkdownOutput, .jp-RenderedMarkdown');
    return {rendered: cell.classList.contains('jp-mod-rendered') && out !== null,
            text: out ? textOutside(out, 'pre, code, script, style') : '',
            errors: out ? out.querySelectorAll('[data-mime-type*="stderr"], ' +
                                               '[data-mime-type*="error"]').length : 0};
  });
  const outputs = [...nb.querySelectorAll('.jp-OutputArea-output')].map(o => ({
    mime: o.getAttribute('data-mime-type') || '',
    text: (o.innerText || '').slice(0, 400),
  }));
  const images = [...nb.querySelectorAll('img')].map(img => ({
    src: (img.getAttribute('src') || '').slice(0, 60), width: img.naturalWidth,
  }));
  return {markdown, outputs, images, codeCells: nb.querySelectorAll('.jp-CodeCell').length};
}
"""


def summarise(data) -> dict:
    """What a chapter showed after Run All: cells, rendered Markdown, outputs by type, images."""
    from collections import Counter

    return {"code_cells": data["codeCells"], "markdown_cells": len(data["markdown"]),
            "markdown_rendered": sum(bool(m["rendered"]) for m in data["markdown"]),
            "outputs": dict(Counter(o["mime"] for o in data["outputs"])),
            "images": sum(1 for i in data["images"] if i["width"] > 0)}


def problems_errors(data) -> list[str]:
    """No error output, no stderr that reports an error or warning, no failed {eval}."""
    out = []
    for o in data["outputs"]:
        if "error" in o["mime"] or ("stderr" in o["mime"]
                                    and any(w in o["text"] for w in ERROR_WORDS)):
            out.append(f"error output ({o['mime']}): {o['text'][:300]!r}")
    for i, cell in enumerate(data["markdown"]):
        match = EVAL_ERROR.search(cell["text"])
        if cell["errors"] or match:
            where = match.group(0) if match else "an error output"
            out.append(f"Markdown cell {i}: an inline expression shows {where!r}: "
                       f"…{cell['text'][max(0, match.start() - 80) if match else 0:][:200]}…")
    return out


def problems_markup(data) -> list[str]:
    """Every Markdown cell rendered, no MyST role or directive left as text."""
    out = [f"Markdown cell {i} is not rendered" for i, c in enumerate(data["markdown"])
           if not c["rendered"]]
    for i, cell in enumerate(data["markdown"]):
        for marker in RAW_MYST:
            at = cell["text"].find(marker)
            if at >= 0:
                out.append(f"Markdown cell {i}: raw MyST {marker!r}: …{cell['text'][max(0, at - 40):at + 60]}…")
    return out


def problems_images(data, at_least: int) -> list[str]:
    """At least `at_least` images (as many as the HTML page has), every one loaded."""
    out = [f"image did not load: {img['src']}" for img in data["images"] if img["width"] <= 0]
    if len(data["images"]) < at_least:
        out.append(f"{len(data['images'])} images in JupyterLab, the HTML page has {at_least}")
    return out
