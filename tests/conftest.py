"""Session fixtures shared by every test module."""

import pytest
from support.book import ROOT, build_book


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The whole book, built once per test session with warnings as errors.

    Yields (html_dir, returncode, log); tests that need the pages should assert
    the return code themselves so a failed build is reported where it matters.
    """
    return build_book(tmp_path_factory.mktemp("book"))
