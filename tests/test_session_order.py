"""tests/conftest.py orders the session: unit tests, then book tests that work on their own,
then the modules that wait for the book, those with the most tests before their first wait first."""

from types import SimpleNamespace

from conftest import _phase_key


def item(module: str, *markers: str):
    return SimpleNamespace(module=module, get_closest_marker=lambda name: name if name in markers else None)


def test_book_modules_are_ordered_and_never_split():
    waits = item("browser", "browser"), item("ui", "book"), item("book", "book")
    items = [item("book", "book"), item("ui", "book"), waits[0], item("unit_a"), item("ui", "book"),
             waits[1], item("ui", "book"), waits[2], item("determinism", "book"), item("unit_b")]
    ordered = sorted(items, key=_phase_key(items, {id(w) for w in waits}))
    assert [i.module for i in ordered] == ["unit_a", "unit_b", "determinism", "ui", "ui", "ui", "ui",
                                           "book", "book", "browser"]
    assert ordered[3:7] == [items[1], items[4], waits[1], items[6]]  # within a module the order stays
