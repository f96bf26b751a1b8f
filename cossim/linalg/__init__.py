"""Linear algebra under every chapter: the SVD of X and cosine similarities.

spectrum     top-k singular values and right singular vectors of X: the method rule, one sign rule
gram         the one XᵀX (sparse product or BLAS syrk) and its top eigenpairs
dense        the exact in-memory routes: LAPACK SVD (the reference) and ARPACK
krylov       block Lanczos and randomized subspace iteration on XᵀX, for large p
dask         the optional dask path (X in row blocks on a cluster)
similarity   the row normaliser Ω of Eq. (4), cosine matrices, each row's top-n neighbours
"""


def __getattr__(name):
    """A submodule on first access, e.g. ``cossim.linalg.spectrum`` after ``import cossim`` (PEP 562)."""
    import importlib

    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
