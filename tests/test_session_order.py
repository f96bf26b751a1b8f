"""tests/conftest.py orders the session: unit tests, then book tests that work on their own,
then modules that start with their own work, then those that wait for the book at once."""

from types import SimpleNamespace

from conftest import _phase_key


def item(module: str, *markers: str):
    return SimpleNamespace(module=module, get_closest_marker=lambda name: name if name in markers else None)


def test_book_modules_are_ordered_and_never_split():
    waits = item("browser", "browser"), item("ui", "book"), item("book", "book")
    items = [item("ui", "book"), waits[0], item("unit_a"), waits[1], item("ui", "book"), waits[2],
             item("determinism", "book"), item("unit_b")]
    ordered = sorted(items, key=_phase_key(items, {id(w) for w in waits}))
    assert [i.module for i in ordered] == ["unit_a", "unit_b", "determinism", "ui", "ui", "ui",
                                           "browser", "book"]
    assert ordered[3:6] == [items[0], waits[1], items[4]]  # within a module the order stays
