"""The ledger is complete: every claim is checked in one chapter and broken on purpose by a test."""

import re
from pathlib import Path

from support.book import BOOK, chapters_in_toc
from support.ledger import BREAKS_PATTERN, ID_PATTERN

from cossim.report.ledger import CLAIMS

HERE = Path(__file__).parent
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([a-z0-9-]+)["']""")


def _broken_ids():
    found = {}
    for path in sorted(HERE.glob("test_breaks_*.py")):
        for match in BREAKS_PATTERN.finditer(path.read_text()):
            for claim_id in ID_PATTERN.findall(match.group(1)):
                found.setdefault(claim_id, []).append(path.name)
    return found


def _checked_ids():
    found = {}
    for stem in chapters_in_toc() + ["index"]:
        path = BOOK / f"{stem}.md"
        for claim_id in CHECK_CALL.findall(path.read_text()):
            found.setdefault(claim_id, []).append(stem)
    return found


def test_every_claim_has_a_test_that_breaks_it():
    broken = _broken_ids()
    missing = sorted(set(CLAIMS) - set(broken))
    assert not missing, f"claims with no @breaks test: {missing}"
    unknown = sorted(set(broken) - set(CLAIMS))
    assert not unknown, f"@breaks names unregistered claims: {unknown}"


def test_every_claim_is_checked_in_exactly_one_chapter():
    checked = _checked_ids()
    missing = sorted(set(CLAIMS) - set(checked))
    assert not missing, f"registered claims no chapter checks: {missing}"
    unknown = sorted(set(checked) - set(CLAIMS))
    assert not unknown, f"chapters check unregistered claims: {unknown}"
    twice = {i: pages for i, pages in checked.items() if len(pages) > 1}
    assert not twice, f"claims checked more than once: {twice}"


def test_every_check_leaves_its_anchor_on_the_page():
    """A cell that checks a claim must keep its output (the line with the anchor the ledger links to)."""
    import jupytext

    hidden = []
    for stem in chapters_in_toc() + ["index"]:
        for cell in jupytext.read(BOOK / f"{stem}.md").cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "code" and CHECK_CALL.search(cell.source) and (
                    "remove-cell" in tags or "remove-output" in tags):
                hidden.append((stem, cell.source.splitlines()[0]))
    assert not hidden, f"cells that check a claim but remove its output: {hidden}"


def test_the_ledger_covers_the_paper():
    sections = {item.section for item in CLAIMS.values()}
    for needed in ("§1", "§2.1", "§2.2", "§2.3", "§3", "§4", "Discussion"):
        assert needed in sections, f"no claim for {needed}"
    assert len(CLAIMS) >= 60, f"the ledger has {len(CLAIMS)} entries; the referee revision asks for at least 60"
