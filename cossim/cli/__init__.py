"""The command line, ``python -m cossim``: apart from the numerics, which never import it."""

from .main import main

__all__ = ["main"]
