"""The book: every chapter runs once under papermill, and the book rendered from those runs builds with -W -n."""


import jupytext
import nbformat
import pytest
from support.book import BOOK, chapters_in_toc
from support.chapter_params import CHAPTER_PARAMS
from support.execute_book import notebook_pages

pytestmark = pytest.mark.book

NOTEBOOK_CHAPTERS = [
    stem for stem in chapters_in_toc()
    if "code-cell" in (BOOK / f"{stem}.md").read_text()
]
NOTEBOOK_PAGES = sorted(notebook_pages())  # the landing page too


def test_every_chapter_has_papermill_parameters():
    """Each executable chapter has exactly one `parameters` cell and test parameters."""
    for stem in NOTEBOOK_CHAPTERS:
        nb = jupytext.read(BOOK / f"{stem}.md")
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{stem}: expected one parameters cell, found {len(tagged)}"
        assert stem in CHAPTER_PARAMS, f"{stem}: add its test parameters to tests/support/chapter_params.py"


@pytest.mark.parametrize("stem", NOTEBOOK_PAGES)
def test_chapter_executes_with_papermill(stem, executed_book):
    """Papermill ran the chapter once, top to bottom at the paper's scale, with no error.

    The run itself is ``tests/support/execute_book.py``, started in the background at
    collection (``tests/conftest.py``); the book the other tests read is rendered from it.
    """
    result = executed_book["chapters"][stem]
    assert result["error"] is None, f"{stem} failed under papermill:\n{result['error']}"
    executed = nbformat.read(executed_book["executed"] / f"{stem}.ipynb", as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), f"{stem}: not every code cell ran"


def test_every_page_is_rendered_from_the_papermill_run(built_book, executed_book):
    """The build executed nothing itself: every notebook page's outputs came from papermill.

    A chapter whose code changed after papermill ran would miss the cache and execute a
    second time in the build; this requires a cache hit for every notebook page.
    """
    html, returncode, log = built_book
    assert "Executing notebook" not in log, "the build executed a notebook itself"
    for stem in NOTEBOOK_PAGES:
        assert f"book/{stem}.md: Using cached notebook" in log, f"{stem}: not taken from the papermill run"


def test_book_builds_without_warnings(built_book):
    """`jupyter-book build -W -n --keep-going` succeeds and writes every chapter's page."""
    html, returncode, log = built_book
    assert returncode == 0, log[-5000:]
    # Sphinx warnings look like "path:line: WARNING: ..."; the kernel's own
    # "[IPKernelApp] WARNING |" log lines are not build warnings.
    sphinx_warnings = [line for line in log.splitlines() if "WARNING:" in line]
    assert not sphinx_warnings, "\n".join(sphinx_warnings)
    assert (html / "index.html").exists()
    for stem in chapters_in_toc():
        assert (html / "book" / f"{stem}.html").exists(), f"missing page for {stem}"


def test_claims_ledger_is_published(built_book):
    """claims.json holds one passing record per registered claim.

    Each record is anchored on its page and linked from the ledger page.
    """
    import json

    from cossim.report.ledger import CLAIMS

    html, returncode, log = built_book
    assert returncode == 0, log[-5000:]
    data = json.loads((html / "claims.json").read_text())
    records = {r["id"]: r for r in data["claims"]}
    assert set(records) == set(CLAIMS)
    assert data["counts"]["entries"] == len(CLAIMS)
    assert all(r["holds"] for r in records.values())
    ledger = (html / "book" / "ledger.html").read_text()
    for claim_id, record in records.items():
        page = (html / f"{record['page']}.html").read_text()
        anchors = page.count(f'id="claim-{claim_id}"')
        assert anchors == 1, f"{claim_id}: {anchors} anchors on {record['page']} (want exactly one)"
        assert f'#claim-{claim_id}"' in ledger, f"{claim_id}: not linked from the ledger page"
