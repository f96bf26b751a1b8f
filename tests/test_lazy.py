"""cossim._lazy: the one PEP 562 ``__getattr__`` of ``cossim`` and its subpackages."""

import sys
import types

import pytest

from cossim._lazy import lazy_getattr


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package ``lazypkg`` with a submodule ``leaf`` and one whose import fails inside."""
    root = tmp_path / "lazypkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "leaf.py").write_text("VALUE = 7\n")
    (root / "broken.py").write_text("import lazypkg_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import lazypkg

    yield lazypkg
    for name in [m for m in sys.modules if m == "lazypkg" or m.startswith("lazypkg.")]:
        del sys.modules[name]


def test_every_submodule_is_an_attribute_and_is_cached(package):
    getattr_ = lazy_getattr("lazypkg")
    leaf = getattr_("leaf")
    assert isinstance(leaf, types.ModuleType) and leaf.VALUE == 7
    assert package.__dict__["leaf"] is leaf is sys.modules["lazypkg.leaf"]


def test_a_missing_submodule_or_a_dunder_is_an_attribute_error(package):
    getattr_ = lazy_getattr("lazypkg")
    for name in ("no_such_module", "__no_dunder__", "__path_hooks__"):
        with pytest.raises(AttributeError, match=f"module 'lazypkg' has no attribute '{name}'"):
            getattr_(name)


def test_a_failing_import_inside_a_submodule_is_not_hidden(package):
    """Only the submodule's own absence is an AttributeError; a broken dependency propagates."""
    with pytest.raises(ModuleNotFoundError, match="lazypkg_no_such_dependency"):
        lazy_getattr("lazypkg")("broken")


def test_names_and_listed_modules(package):
    getattr_ = lazy_getattr("lazypkg", names={"VALUE": "leaf"}, modules={"alias": "lazypkg.leaf"})
    assert getattr_("VALUE") == 7 and package.__dict__["VALUE"] == 7
    assert getattr_("alias") is sys.modules["lazypkg.leaf"] is package.__dict__["alias"]
    with pytest.raises(AttributeError, match="'leaf'"):  # with a module list, only listed modules
        getattr_("leaf")
