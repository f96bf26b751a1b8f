"""The rendered book, read the way a reader reads it: in headless Chromium, offline.

The book is built once per session (``built_book`` in conftest.py), served on
127.0.0.1, and every page in ``_toc.yml`` is opened in Debian's Chromium via
Playwright (no browser download). Every request the browser makes goes
through a router that lets loopback and file URLs through and aborts and
records everything else; a single non-local request fails the tests.

Per page the tests check that it loads without a JavaScript error; that every
equation is typeset by MathJax (no "Math input error", no raw ``$$``/``\\begin``
left in the text); that every image has loaded (natural width > 0); that no
traceback or error output is shown; that every internal link and
cross-reference (equations, theorems, citations, figures, pages) points to an
existing file and anchor; and that each notebook page offers its executed
``.ipynb`` and its ``.md`` source for download. Where the book has an
``<input type=range>`` (the explorer), moving it must change the displayed
frame. A self-test feeds the same checks a deliberately broken page, so each
check is shown to be able to fail.

Without Chromium the tests skip with the reason; with
``COSSIM_REQUIRE_BROWSER=1`` (set by ``.ci/run``) they fail instead.
Set ``COSSIM_BOOK_HTML=<path to _build/html>`` to test an existing build
instead of building the book (handy while writing a chapter).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import support.browser as bu
from support.book import BOOK, chapters_in_toc

pytestmark = pytest.mark.browser

PAGES = ["index"] + chapters_in_toc()
PAGE_TIMEOUT_MS = 30_000


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def chromium_path():
    return bu.chromium_path()


@pytest.fixture(scope="module")
def browser(chromium_path):
    with bu.launch_chromium(chromium_path) as b:
        yield b


@pytest.fixture(scope="module")
def book_html(request):
    override = os.environ.get("COSSIM_BOOK_HTML")
    if override:
        html = Path(override)
    else:
        html, returncode, log = request.getfixturevalue("built_book")
        assert returncode == 0, "the book does not build:\n" + log[-3000:]
    assert (html / "index.html").is_file(), f"no built book at {html}"
    return html


@pytest.fixture(scope="module")
def server(book_html):
    with bu.BookServer(book_html) as s:
        yield s


@pytest.fixture(scope="module")
def guard():
    return bu.NetworkGuard()


@pytest.fixture(scope="module")
def context(browser, guard):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900},
                              service_workers="block", accept_downloads=False)
    ctx.set_default_timeout(PAGE_TIMEOUT_MS)
    guard.install(ctx)
    yield ctx
    ctx.close()


def open_page(context, url, lands_on=None):
    """Open `url` (and wait until the browser lands on `lands_on`, if given),
    wait for MathJax and images; return (page, response, js_errors)."""
    page = context.new_page()
    js_errors = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and js_errors.append(
        f"console.error: {msg.text}"))
    response = page.goto(url, wait_until="load")
    if lands_on:
        page.wait_for_url(lands_on, wait_until="load")
    state = page.evaluate(bu.WAIT_FOR_PAGE_JS)
    if state != "ok":
        js_errors.append(state)
    return page, response, js_errors


def _download_links(stem, links):
    """The page's links to its .md source and to its executed .ipynb (lists of hrefs)."""
    hrefs = [link["href"] for link in links]
    return ([h for h in hrefs if h.endswith(f"_sources/book/{stem}.md")],
            sorted({h for h in hrefs if h.endswith(f"_sources/book/{stem}.ipynb")}))


def _fetch_downloads(page, stem, links):
    """What the reader gets from the page's download links, fetched from the open page
    (the page is loaded once for both the crawl and the downloads)."""
    md_links, ipynb_links = _download_links(stem, links)
    if not md_links or not ipynb_links:
        return None
    return page.evaluate("""async ([ipynb, md]) => {
        const nb = await fetch(ipynb); const src = await fetch(md);
        return {nbStatus: nb.status, nb: await nb.text(),
                mdStatus: src.status, md: await src.text()};
    }""", [ipynb_links[0], md_links[0]])


@pytest.fixture(scope="module")
def crawl(context, server, guard):
    """Open every page of the book once and collect what the checks need."""
    guard.take()
    results = {}
    for stem in PAGES:
        page, response, js_errors = open_page(context, server.url(f"book/{stem}.html"))
        data = page.evaluate(bu.COLLECT_JS)
        data["status"] = response.status if response else None
        data["js_errors"] = js_errors
        data["blocked"] = guard.take()
        data["path"] = server.root / "book" / f"{stem}.html"
        data["downloads"] = _fetch_downloads(page, stem, data["links"])
        data["download_blocked"] = guard.take()
        results[stem] = data
        page.close()
    ids_by_path = {d["path"]: d["ids"] for d in results.values()}
    static_cache = {}
    for data in results.values():
        data["link_problems"], data["link_kinds"] = bu.check_links(
            data, server, ids_by_path, static_cache)
    return results


# --------------------------------------------------------------------------- every page

@pytest.mark.parametrize("stem", PAGES)
def test_page_loads_offline(crawl, stem):
    """The page loads (HTTP 200, a heading), runs without JavaScript errors, and asks
    for nothing that is not on this machine."""
    data = crawl[stem]
    assert data["status"] == 200, f"{stem}: HTTP status {data['status']}"
    assert data["h1"].strip(), f"{stem}: the page has no heading"
    assert not data["blocked"], f"{stem}: requests that would leave the machine: {data['blocked']}"
    assert not data["js_errors"], f"{stem}: JavaScript errors: {data['js_errors']}"


@pytest.mark.parametrize("stem", PAGES)
def test_every_equation_is_typeset(crawl, stem):
    data = crawl[stem]
    problems = bu.problems_math(data) + bu.problems_markup(data)
    assert not problems, f"{stem}:\n" + "\n".join(problems)
    n_typeset = sum(1 for m in data["math"] if m["typeset"])
    assert n_typeset == len(data["math"])
    assert data["mjxContainers"] >= len(data["math"])


@pytest.mark.parametrize("stem", PAGES)
def test_every_image_loads(crawl, stem):
    problems = bu.problems_images(crawl[stem])
    assert not problems, f"{stem}:\n" + "\n".join(problems)


@pytest.mark.parametrize("stem", PAGES)
def test_no_error_output(crawl, stem):
    problems = bu.problems_errors(crawl[stem])
    assert not problems, f"{stem}:\n" + "\n".join(problems)


@pytest.mark.parametrize("stem", PAGES)
def test_links_and_cross_references_resolve(crawl, stem):
    problems = crawl[stem]["link_problems"]
    assert not problems, f"{stem}:\n" + "\n".join(problems)


@pytest.mark.parametrize("stem", PAGES)
def test_notebook_and_source_downloads(crawl, stem):
    """Each notebook page links its executed .ipynb and its .md source, and both are served."""
    source = BOOK / f"{stem}.md"
    text = source.read_text(encoding="utf-8")
    md_links, ipynb_links = _download_links(stem, crawl[stem]["links"])
    assert md_links, f"{stem}: no link to its source _sources/book/{stem}.md"
    if "kernelspec:" not in text:
        return  # a plain Markdown page (e.g. references) has no notebook
    assert ipynb_links, f"{stem}: no link to {stem}.ipynb"
    fetched = crawl[stem]["downloads"]
    assert not crawl[stem]["download_blocked"]
    assert fetched["nbStatus"] == 200 and fetched["mdStatus"] == 200
    if os.environ.get("COSSIM_BOOK_HTML"):  # an existing build may predate the latest edit
        assert fetched["md"].startswith("---\n") or fetched["md"].startswith("#")
    else:
        assert fetched["md"] == text, f"{stem}: the served source differs from {source}"
    import nbformat

    nb = nbformat.reads(fetched["nb"], as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{stem}.ipynb has no code cells"
    assert all(c.get("execution_count") for c in code), f"{stem}.ipynb: not every cell was executed"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_execution_status_lists_every_chapter(crawl):
    """The execution-status page names every notebook page, each run without error."""
    if "execution_status" not in crawl:
        pytest.skip("no execution_status page in _toc.yml")
    text = crawl["execution_status"]["fullText"]
    assert "Document" in text, "the execution table is missing"
    table = text[text.index("Document"):]  # the table, without the prose above it
    notebooks = [stem for stem in PAGES
                 if "kernelspec:" in (BOOK / f"{stem}.md").read_text(encoding="utf-8")]
    for stem in notebooks:
        title = crawl[stem]["h1"].strip().rstrip("#").strip()
        assert title in table, f"execution status does not list {stem} ({title!r})"
    assert table.count("ran without error") == len(notebooks), table[-2000:]
    assert "failed" not in table


def test_no_request_left_the_machine(crawl, guard):
    """Across the whole crawl (and any test since), nothing non-local was requested."""
    leaked = sorted({u for d in crawl.values() for u in d["blocked"] + d["download_blocked"]} | set(guard.take()))
    assert not leaked, f"non-local requests (blocked): {leaked}"
    assert len(guard.seen) > len(PAGES), "the guard saw no requests: is routing installed?"


# --------------------------------------------------------------------------- explorer

def test_explorer_slider_changes_the_frame(context, server, guard, crawl):
    """Moving every range slider with the keyboard changes what the reader sees."""
    with_sliders = [stem for stem, d in crawl.items() if d["ranges"]]
    if not with_sliders:
        pytest.skip("no page has an <input type=range> yet "
                    "(the explorer chapter is not in the book)")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    moved = 0
    for stem in with_sliders:
        page, _, js_errors = open_page(context, server.url(f"book/{stem}.html"))
        try:
            for i, slider in enumerate(page.locator("input[type=range]").all()):
                where = f"{stem}, slider {i}"
                slider.scroll_into_view_if_needed()
                before = slider.evaluate(bu.FRAME_SIGNATURE_JS)
                value = slider.input_value()
                maximum = slider.get_attribute("max") or "100"
                slider.focus()
                page.keyboard.press("Home" if value == maximum else "End")
                assert slider.input_value() != value, f"{where}: the keyboard did not move it"
                try:
                    page.wait_for_function(
                        "([el, sig]) => { const s = (" + bu.FRAME_SIGNATURE_JS + ")(el);"
                        " return s.signature !== sig; }",
                        arg=[slider.element_handle(), before["signature"]], timeout=5_000,
                    )
                except PlaywrightTimeout:
                    pytest.fail(f"{where}: the displayed frame did not change within 5 s "
                                f"of moving the slider from {value} to {slider.input_value()}")
                after = slider.evaluate(bu.FRAME_SIGNATURE_JS)
                assert after["signature"] != before["signature"], f"{where}: frame unchanged"
                page.wait_for_timeout(200)
                after = slider.evaluate(bu.FRAME_SIGNATURE_JS)
                assert not after["brokenVisibleImages"], (
                    f"{where}: frame image did not load: {after['brokenVisibleImages']}")
                moved += 1
        finally:
            page.close()
        assert not js_errors, f"{stem}: JavaScript errors while moving the slider: {js_errors}"
    assert moved > 0
    assert not guard.take()


# --------------------------------------------------------------------------- as a new user

def test_opening_the_html_file_directly(context, book_html, guard):
    """`_build/html/index.html` opened as a file leads to the landing page, typeset and offline."""
    guard.take()
    page, _, js_errors = open_page(context, (book_html / "index.html").as_uri(),
                                   lands_on="**/book/index.html")
    try:
        data = page.evaluate(bu.COLLECT_JS)
    finally:
        page.close()
    assert data["h1"].strip()
    assert data["math"], "the landing page shows no mathematics"
    problems = bu.problems_math(data) + bu.problems_images(data) + bu.problems_errors(data)
    assert not problems, "\n".join(problems)
    assert not guard.take()
    assert not js_errors, js_errors


# --------------------------------------------------------------------------- the checks can fail

BROKEN_PAGE = r"""<!DOCTYPE html><html><head><title>broken</title>
<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>
<script defer src="{static}/mathjax/tex-chtml.js"></script></head>
<body><main class="tex2jax_ignore mathjax_ignore"><h1>Broken</h1>
<p>Good <span class="math notranslate nohighlight">\(x^2\)</span>, bad
<span class="math notranslate nohighlight">\(\frac{1}\)</span>, unclosed
<span class="math notranslate nohighlight">\(x^{\)</span>,
raw $$y$$ and \begin{align} and {glue:text}`x`.</p>
<img src="missing.png"> <img src="https://example.com/remote.png">
<div class="cell_output"><div class="output traceback"><pre>Traceback (most recent call last):
ValueError: boom</pre></div></div>
<a href="nowhere.html">dead</a> <a href="#no-such-id">dangling</a> <a href="#here">fine</a>
<p id="here">target</p></main></body></html>
"""


def test_checks_catch_a_broken_page(context, book_html, guard, tmp_path):
    """A page with every defect makes every check report it (so the checks can fail)."""
    (tmp_path / "broken.html").write_text(BROKEN_PAGE.replace("{static}", "_static"))
    (tmp_path / "_static").symlink_to(book_html / "_static")  # the book's own MathJax
    guard.take()
    with bu.BookServer(tmp_path) as local:
        page, _, _ = open_page(context, local.url("broken.html"))
        try:
            data = page.evaluate(bu.COLLECT_JS)
        finally:
            page.close()
        link_problems, kinds = bu.check_links(data, local, {}, {})
    blocked = guard.take()
    assert "https://example.com/remote.png" in blocked
    math = bu.problems_math(data)
    assert any("input error" in p or "MathJax error" in p for p in math), math
    assert any("not typeset" in p for p in math), math
    assert any("$$" in p for p in math) and any("\\begin{" in p for p in math), math
    assert bu.problems_markup(data)
    assert len(bu.problems_images(data)) == 2
    assert any("traceback" in p.lower() for p in bu.problems_errors(data))
    assert any("nowhere.html" in p for p in link_problems)
    assert any("no-such-id" in p for p in link_problems)
    assert kinds.get("other") == 1  # the good anchor resolved


# --------------------------------------------------------------------------- counts

def test_report_counts(crawl, capsys):
    """Print what the browser tests covered, for the record (and fail on an empty book)."""
    totals = {"pages": len(crawl), "equations": 0, "display_equations": 0, "images": 0,
              "links": 0, "internal_links": 0}
    kinds = {}
    for data in crawl.values():
        totals["equations"] += len(data["math"])
        totals["display_equations"] += sum(1 for m in data["math"] if m["display"])
        totals["images"] += len(data["images"])
        totals["links"] += len(data["links"])
        for kind, n in data["link_kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + n
    totals["internal_links"] = sum(n for k, n in kinds.items() if k != "external")
    totals["cross_references_by_target"] = kinds
    totals["sliders"] = sum(d["ranges"] for d in crawl.values())
    per_page = {stem: {"equations": len(d["math"]), "images": len(d["images"]),
                       "links": len(d["links"])} for stem, d in crawl.items()}
    with capsys.disabled():
        print("\nbrowser test coverage:", json.dumps(totals))
        print("per page:", json.dumps(per_page))
    assert totals["pages"] == len(PAGES)
    assert totals["internal_links"] > 0
