"""Linear algebra under every chapter: the SVD of X and cosine similarities.

spectrum     top-k singular values and right singular vectors of X: the method rule, one sign rule
gram         the one XᵀX (sparse product or BLAS syrk) and its top eigenpairs
dense        the exact in-memory routes: LAPACK SVD (the reference) and ARPACK
krylov       block Lanczos and randomized subspace iteration on XᵀX, for large p
dask         the optional dask path (X in row blocks on a cluster)
similarity   the row normaliser Ω of Eq. (4), cosine matrices, each row's top-n neighbours
"""


from .. import _lazy

#: Every submodule, e.g. ``cossim.linalg.spectrum``, is imported on first access (PEP 562).
__getattr__ = _lazy.lazy_getattr(__name__)
