"""Lazy attributes of a package (PEP 562): the one ``__getattr__`` behind ``cossim`` and its subpackages.

``import cossim`` imports no NumPy, SciPy, pandas, matplotlib or SymPy: a public name, a
subpackage or a submodule is imported on its first access. This module sits in the bottom
layer of the import contract (with ``_validation``), so every package can use it, and it
imports nothing of its own from ``cossim``.
"""

import importlib
import sys


def lazy_getattr(package, names=None, modules=None):
    """A module ``__getattr__`` for `package` that imports what it is asked for on first access.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str, optional
        ``{public name: module under package}``: the name is taken from that module.
    modules : dict of str to str, optional
        ``{attribute: absolute module name}``: the attribute is that module. When None (the
        default), every submodule of `package` is an attribute under its own name (dunder
        names excepted).

    Returns
    -------
    callable
        ``__getattr__(name)``; it stores what it imported on the package, so it runs once a
        name, and raises AttributeError for anything else.
    """
    names = names or {}

    def __getattr__(name):
        if name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        elif modules is not None:
            if name not in modules:
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            value = importlib.import_module(modules[name])
        else:
            value = _submodule(package, name)
        setattr(sys.modules[package], name, value)
        return value

    __getattr__.__doc__ = f"A public name or module of ``{package}`` on first access (PEP 562)."
    return __getattr__


def _submodule(package, name):
    """``package.name`` imported, or AttributeError when there is no such submodule."""
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
