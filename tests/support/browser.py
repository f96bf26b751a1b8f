"""Helpers for tests/book/test_browser.py: drive headless Chromium over the built book.

:func:`chromium_path` and :func:`launch_chromium` (find and start Debian's Chromium under
Playwright, skipping or, with COSSIM_REQUIRE_BROWSER set, failing when it cannot) are
shared with tests/book/test_jupyterlab_ui.py.

Everything here is offline: the book is served from a loopback HTTP server,
every request the browser makes is routed through :class:`NetworkGuard`, and
any request that would leave the machine is aborted and recorded.

The page checks are split in two: :data:`COLLECT_JS` runs in the page and
returns plain data (math elements, images, links, ids, error outputs, ...);
the ``problems_*`` functions turn that data into a list of human-readable
problems (empty list = page is fine). Keeping the judging in Python lets the
tests show exactly what is wrong, and lets a self-test feed the same code a
deliberately broken page.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import importlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

# Flags that work for Debian's Chromium in a container, without a sandbox or
# GPU, and with every background service that could phone home switched off.
# The host-resolver rule is a second line of defence: even a request that
# somehow bypassed Playwright's routing could not resolve a remote host.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]

REQUIRE_ENV = "COSSIM_REQUIRE_BROWSER"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"file", "data", "blob", "about"}


def browser_required() -> bool:
    """True where the browser tests must run (CI sets COSSIM_REQUIRE_BROWSER=1)."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str):
    """Skip with a clear reason, or fail when the browser tests are required."""
    if browser_required():
        pytest.fail(f"{reason} — {REQUIRE_ENV} is set, so the browser tests must run "
                    "(install Debian's `chromium` and `pip install -r requirements.txt`)",
                    pytrace=False)
    pytest.skip(f"{reason}; install Debian's `chromium` to run the browser tests "
                f"(set {REQUIRE_ENV}=1 to make this a failure)")


def find_chromium() -> str | None:
    """Path of a system Chromium: $COSSIM_CHROMIUM, else `chromium` on PATH."""
    explicit = os.environ.get("COSSIM_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_path(needs: tuple[str, ...] = ()) -> str:
    """Path of a system Chromium that Playwright can drive, or :func:`unavailable`.

    Checks, in this order, that Playwright imports, that each module in `needs` imports
    (e.g. ``jupyterlab``), and that :func:`find_chromium` finds a Chromium.
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("the Python package `playwright` is not installed")
    for name in needs:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            unavailable(f"{exc.name} is not installed (requirements.txt pins it)")
    path = find_chromium()
    if path is None:
        unavailable("no Chromium found (looked for $COSSIM_CHROMIUM, `chromium`, "
                    "`chromium-browser` on PATH)")
    return path


@contextlib.contextmanager
def launch_chromium(path: str):
    """Headless Chromium at `path` under Playwright, with :data:`CHROMIUM_ARGS`; closed on exit.

    A Chromium that does not start is :func:`unavailable` (skip, or fail when required).
    """
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, timeout=60_000)
        except Error as exc:
            unavailable(f"Chromium at {path} does not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()


def is_local(url: str) -> bool:
    """Whether a request to `url` stays on this machine."""
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    if parsed.scheme in ("http", "https", "ws", "wss"):
        return (parsed.hostname or "") in LOCAL_HOSTS
    return False


@dataclass
class NetworkGuard:
    """Route every request of a browser context: allow loopback/file, abort the rest."""

    blocked: list = field(default_factory=list)
    seen: list = field(default_factory=list)

    def install(self, context):
        context.route("**/*", self._route)
        # Requests that Playwright does not route (should be none) are still seen here.
        context.on("request", lambda request: self._observe(request.url))
        if hasattr(context, "route_web_socket"):
            context.route_web_socket("**/*", self._route_ws)

    def _observe(self, url):
        self.seen.append(url)
        if not is_local(url) and url not in self.blocked:
            self.blocked.append(url)

    def _route(self, route):
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            if url not in self.blocked:
                self.blocked.append(url)
            route.abort("blockedbyclient")

    def _route_ws(self, ws):
        if is_local(ws.url):
            ws.connect_to_server()
        else:
            self.blocked.append(ws.url)
            ws.close()

    def take(self):
        """Blocked URLs recorded since the last call (and forget them)."""
        out, self.blocked = self.blocked, []
        return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


class BookServer:
    """Serve a directory on 127.0.0.1 (random free port) from a daemon thread."""

    def __init__(self, directory: Path):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.root = Path(directory)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, relpath: str) -> str:
        return self.base + relpath.lstrip("/")

    def path_of(self, url: str) -> Path | None:
        """The served file behind a local URL, or None if the URL is not ours."""
        if not url.startswith(self.base):
            return None
        rel = unquote(urlparse(url).path).lstrip("/")
        path = self.root / rel
        if path.is_dir():
            path = path / "index.html"
        return path


# --------------------------------------------------------------------------- in-page code

WAIT_FOR_PAGE_JS = """
async () => {
  // Let MathJax finish its first typesetting pass (if the page loads MathJax).
  const hasMath = document.querySelector('.math') !== null;
  if (hasMath) {
    const t0 = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
      if (Date.now() - t0 > 20000) return 'MathJax did not start within 20 s';
      await new Promise(r => setTimeout(r, 50));
    }
    await MathJax.startup.promise;
  }
  // Make lazy images load, then wait for every image to finish (or fail).
  for (const img of document.images) img.loading = 'eager';
  window.scrollTo(0, document.body.scrollHeight);
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); })));
  window.scrollTo(0, 0);
  return 'ok';
}
"""

COLLECT_JS = r"""
() => {
  const main = document.querySelector('main') || document.body;
  const skipText = 'pre, code, script, style, textarea, mjx-container, .highlight, ' +
                   '.math, .MathJax, mjx-assistive-mml';
  // Text of the page outside code and typeset math, as (snippet) strings.
  const texts = [];
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!parent || parent.closest(skipText)) continue;
    if (n.textContent.trim()) texts.push(n.textContent);
  }
  const fullText = main.innerText || '';

  const math = [...main.querySelectorAll('.math')].map(el => ({
    display: el.tagName === 'DIV',
    id: el.id || (el.closest('[id^="equation-"]') || {}).id || '',
    typeset: el.querySelectorAll('mjx-container').length,
    error: el.querySelector('mjx-merror, [data-mjx-error]') !== null ||
           (el.textContent || '').includes('Math input error'),
    source: (el.querySelector('mjx-container') ? '' : el.textContent).slice(0, 120),
  }));
  const strayMath = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
      .map(el => el.getAttribute('data-mjx-error') || el.textContent.slice(0, 120));

  const images = [...document.images].map(img => ({
    src: img.getAttribute('src') || '', url: img.currentSrc || img.src,
    naturalWidth: img.naturalWidth, complete: img.complete, alt: img.alt || '',
    inMain: main.contains(img),
  }));

  const errorSelectors = '.output.error, .output.traceback, .traceback, ' +
      '.cell_output .stderr, .output.stderr, .problematic, .system-message, ' +
      '.system-messages';
  const errorBlocks = [...document.querySelectorAll(errorSelectors)].map(el => ({
    cls: el.className, text: (el.innerText || el.textContent || '').slice(0, 400),
  }));

  const links = [...document.querySelectorAll('a[href]')].map(a => ({
    href: a.href, raw: a.getAttribute('href'), text: (a.innerText || '').trim().slice(0, 80),
    cls: a.className, inMain: main.contains(a),
  }));

  const kindOf = el => {
    // A MyST label `(name)=` before a heading is an empty span next to its target.
    if (el.matches('span:empty')) {
      if (el.nextElementSibling) el = el.nextElementSibling;
      const heading = el.matches('h1, h2, h3, h4, h5, h6');
      if (heading && el.parentElement.matches('section')) return 'section';
    }
    if (el.matches('.math, [id^="equation-"]')) return 'equation';
    if (el.matches('.citation, [role="doc-biblioentry"]') || el.closest('.citation')) {
      return 'citation';
    }
    if (el.matches('figure, .figure') || el.closest('figure')) return 'figure';
    if (el.matches('.proof, .theorem, .lemma, .definition, .corollary, .proposition, ' +
                   '.example, .remark, [class*="proof"], .admonition')) return 'theorem';
    if (el.matches('table') || el.closest('table')) return 'table';
    if (el.matches('section')) return 'section';
    return 'other';
  };
  const ids = {};
  for (const el of document.querySelectorAll('[id]')) ids[el.id] = kindOf(el);
  for (const el of document.querySelectorAll('a[name]')) ids[el.getAttribute('name')] = 'other';

  return {
    url: location.href, title: document.title,
    h1: (document.querySelector('main h1') || {}).textContent || '',
    texts, fullText, math, strayMath, images, errorBlocks, links, ids,
    mjxContainers: document.querySelectorAll('mjx-container').length,
    ranges: document.querySelectorAll('input[type=range]').length,
  };
}
"""

# The "frame" a slider controls: the visual elements (images, canvases, SVGs)
# in the smallest enclosing block that has any, with their visibility.
FRAME_SIGNATURE_JS = r"""
(slider) => {
  const visual = 'img, canvas, svg, video, object, iframe, [style*="background-image"]';
  let box = slider.parentElement;
  while (box && box !== document.body && box.querySelectorAll(visual).length === 0) {
    box = box.parentElement;
  }
  if (!box) box = document.body;
  const isVisible = el => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0 &&
           r.width > 0 && r.height > 0;
  };
  const parts = [...box.querySelectorAll(visual)].filter(el => el !== slider).map(el => {
    let content = '';
    if (el.tagName === 'IMG') content = (el.currentSrc || el.src) + '|' + el.naturalWidth;
    else if (el.tagName === 'CANVAS') {
      try { content = el.toDataURL(); } catch (e) { content = 'tainted'; }
    }
    else if (el.tagName.toLowerCase() === 'svg') content = el.outerHTML;
    else content = el.outerHTML.slice(0, 2000);
    return (isVisible(el) ? 'V:' : 'H:') + el.tagName + ':' + content;
  });
  const visibleImages = [...box.querySelectorAll('img')].filter(isVisible);
  return {
    nVisual: parts.length,
    signature: parts.length ? parts.join('\n') : box.innerText,
    brokenVisibleImages: visibleImages.filter(i => i.complete && i.naturalWidth === 0)
                                      .map(i => i.getAttribute('src')),
  };
}
"""

# --------------------------------------------------------------------------- judging

RAW_TEX_MARKERS = ("$$", "\\begin{", "\\end{", "\\(", "\\[")
RAW_MYST_MARKERS = ("{glue", "{eval}`", "{eq}`", "{cite", "{prf:", "{ref}`", "{numref}`", "{doc}`",
                    "```{", ":::{")
ERROR_WORDS = ("Traceback", "Error", "Exception", "Warning")


def _snippet(text, marker, width=60):
    i = text.find(marker)
    return text[max(0, i - width // 2): i + width].replace("\n", " ")


def problems_math(data) -> list[str]:
    """Every math element typeset, no MathJax error, no raw TeX left in the text."""
    out = []
    for m in data["math"]:
        if m["typeset"] == 0:
            out.append(f"math not typeset by MathJax: {m['source']!r}")
        if m["error"]:
            out.append(f"MathJax input error in {m['id'] or m['source']!r}")
    for e in data["strayMath"]:
        out.append(f"MathJax error: {e!r}")
    if "Math input error" in data["fullText"]:
        out.append("'Math input error' appears in the page text")
    for text in data["texts"]:
        for marker in RAW_TEX_MARKERS:
            if marker in text:
                out.append(f"raw TeX {marker!r} left in the text: …{_snippet(text, marker)}…")
    return out


def problems_markup(data) -> list[str]:
    """No MyST role or directive left unrendered in the text."""
    return [f"unrendered MyST {marker!r}: …{_snippet(text, marker)}…"
            for text in data["texts"] for marker in RAW_MYST_MARKERS if marker in text]


def problems_images(data) -> list[str]:
    return [f"image did not load (naturalWidth={img['naturalWidth']}): {img['src']}"
            for img in data["images"] if img["naturalWidth"] <= 0]


def problems_errors(data) -> list[str]:
    """No traceback, error output, or stderr carrying an error/warning on the page."""
    out = []
    for block in data["errorBlocks"]:
        cls = block["cls"]
        if "stderr" in cls and not any(w in block["text"] for w in ERROR_WORDS):
            continue  # plain progress messages on stderr are not errors
        out.append(f"error output ({cls}): {block['text'][:300]!r}")
    if "Traceback (most recent call last)" in data["fullText"]:
        out.append("a Python traceback appears in the page text")
    return out


class StaticIds(html.parser.HTMLParser):
    """All id= and name= values of an HTML file (for pages not crawled)."""

    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key == "id" or (tag == "a" and key == "name"):
                self.ids.add(value)

    @classmethod
    def of(cls, path: Path) -> set:
        parser = cls()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        return parser.ids


def check_links(data, server: BookServer, ids_by_path: dict, static_cache: dict):
    """Resolve every link of a page.

    Returns ``(problems, kinds)``: problems are internal links whose file or
    anchor is missing; kinds counts the resolved internal links with an anchor
    by the kind of their target (equation, theorem, citation, figure, ...),
    plus ``page`` (links to a page without an anchor) and ``external``.
    """
    problems, kinds = [], {}

    def count(kind):
        kinds[kind] = kinds.get(kind, 0) + 1

    for link in data["links"]:
        raw, href = link["raw"], link["href"]
        if raw.startswith(("javascript:", "mailto:")) or raw in ("#", ""):
            continue
        if not is_local(href):
            count("external")
            continue
        url, fragment = urldefrag(href)
        path = server.path_of(url)
        if path is None:
            problems.append(f"link outside the book: {raw}")
            continue
        if not path.is_file():
            problems.append(f"broken link {raw!r} ({link['text']!r}): no file {path.name}")
            continue
        if not fragment:
            count("page")
            continue
        fragment = unquote(fragment)
        if path in ids_by_path:
            ids = ids_by_path[path]
        elif path.suffix == ".html":
            if path not in static_cache:
                static_cache[path] = {i: "other" for i in StaticIds.of(path)}
            ids = static_cache[path]
        else:
            problems.append(f"anchor into a non-HTML file: {raw}")
            continue
        if fragment not in ids:
            problems.append(f"broken anchor {raw!r} ({link['text']!r}): "
                            f"no id {fragment!r} in {path.name}")
            continue
        count(ids[fragment])
    return problems, kinds
