"""tests/conftest.py orders the session: unit tests, then book tests that work on their own,
then the modules that wait for background work, those with the most tests before their first
wait first; and it starts the background jobs the collected tests need."""

from types import SimpleNamespace

from conftest import _job_options, _phase_key


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


def test_background_jobs_start_for_what_the_collected_tests_need():
    assert _job_options({"book": True, "lab": True, "seeded_twice": True}) == {
        "book": ["--twice"], "lab": []}
    assert _job_options({"book": True, "lab": False, "seeded_twice": False}) == {"book": []}
    assert _job_options({"book": False, "lab": True, "seeded_twice": False}) == {"lab": []}
    # the determinism test alone: the book's process runs only its executions
    assert _job_options({"book": False, "lab": False, "seeded_twice": True}) == {
        "book": ["--twice", "--only-parts"]}
    assert _job_options({"book": False, "lab": False, "seeded_twice": False}) == {}
