"""Input checks shared by the public functions.

Every check raises :class:`InvalidType` (a ``TypeError``: wrong kind of object
or dtype) or :class:`InvalidValue` (a ``ValueError``: wrong shape or value)
with a one-line message that names the offending argument, so that bad input
never surfaces as a NaN or as a traceback from deep inside NumPy. The two
subclasses let the command line tell the user's mistake (exit status 2) from
a bug inside the numerics (any other exception).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = [
    "InvalidValue",
    "InvalidType",
    "as_matrix",
    "as_dense_matrix",
    "as_factor",
    "check_lambda",
    "check_rank",
    "check_labels",
    "check_scaling_vector",
    "check_int",
    "check_real",
    "check_choice",
    "check_gram_factors",
    "check_vector",
    "is_sparse",
]


class InvalidValue(ValueError):
    """An argument has the right kind but a wrong value or shape (the caller's mistake)."""


class InvalidType(TypeError):
    """An argument is of the wrong kind or dtype (the caller's mistake)."""


def is_sparse(X) -> bool:
    """True for any ``scipy.sparse`` matrix or array."""
    return sp.issparse(X)


def _check_dtype(dtype, name: str) -> None:
    if np.dtype(dtype).kind == "O":
        raise InvalidType(f"{name} has object dtype; expected a real numeric array")
    if np.issubdtype(dtype, np.complexfloating):
        raise InvalidType(f"{name} has complex dtype {dtype}; expected real numbers")
    if not (np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.bool_)):
        raise InvalidType(f"{name} has dtype {dtype}; expected a real numeric array")


def as_matrix(X, name: str = "X", *, allow_sparse: bool = True):
    """Validate a 2-D real matrix and return it as float64.

    Dense input becomes a C-contiguous ``numpy.ndarray``; sparse input becomes
    a ``scipy.sparse.csr_matrix`` (unless ``allow_sparse`` is False, in which
    case sparse input is rejected). Boolean, integer and float32 input is
    promoted to float64.

    Raises
    ------
    TypeError
        If `X` is not array-like, or has object, complex or non-numeric dtype.
    ValueError
        If `X` is not 2-D, is empty, or holds NaN or inf.
    """
    if is_sparse(X):
        if not allow_sparse:
            raise InvalidType(f"{name} must be a dense array, got a scipy.sparse matrix")
        _check_dtype(X.dtype, name)
        _check_nonempty_2d(X, name)
        X = sp.csr_matrix(X, dtype=np.float64)
        _check_finite(X.data, name)  # the stored entries; the rest are 0
        return X
    if isinstance(X, (str, bytes, dict, set)) or X is None:
        raise InvalidType(f"{name} must be a 2-D numeric array, got {type(X).__name__}")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise InvalidType(f"{name} could not be read as an array: {exc}") from None
    _check_dtype(arr.dtype, name)
    _check_nonempty_2d(arr, name)
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    _check_finite(arr, name)
    return arr


def as_dense_matrix(M, name: str = "X"):
    """Validate a dense 2-D real matrix (sparse input is rejected) and return it as float64."""
    return as_matrix(M, name, allow_sparse=False)


def _check_nonempty_2d(X, name: str) -> None:
    if X.ndim != 2:
        raise InvalidValue(f"{name} must be 2-D, got {X.ndim}-D with shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise InvalidValue(f"{name} is empty (shape {X.shape})")


def _check_finite(values, name: str) -> None:
    if not np.all(np.isfinite(values)):
        raise InvalidValue(f"{name} contains NaN or inf")


def as_factor(M, name: str, *, rows: int | None = None, cols: int | None = None):
    """Validate a dense factor matrix (A, B, P, Q, ...) and check its shape."""
    arr = as_matrix(M, name, allow_sparse=False)
    if rows is not None and arr.shape[0] != rows:
        raise InvalidValue(f"{name} has {arr.shape[0]} rows, expected {rows}")
    if cols is not None and arr.shape[1] != cols:
        raise InvalidValue(f"{name} has {arr.shape[1]} columns, expected {cols}")
    return arr


def _bound_text(name: str, low, high, low_open: bool = False) -> str:
    """``"1 <= k <= 5"``, ``"k >= 1"`` or ``"k > 0"``: the condition a value failed."""
    if low is not None and high is not None:
        return f"{low} {'<' if low_open else '<='} {name} <= {high}"
    if low is not None:
        return f"{name} {'>' if low_open else '>='} {low}"
    return f"{name} <= {high}"


def check_int(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return `value` as an int after checking it is an integer in ``[low, high]``.

    Booleans are rejected (``True`` is an ``int`` to Python, never a count to
    a caller). Either bound may be None (unbounded).

    Raises
    ------
    InvalidType
        If `value` is not an integer.
    InvalidValue
        If it lies outside the bounds; the message states the bounds, e.g.
        ``"n_neighbours must satisfy 1 <= n_neighbours <= 9, got 10"``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidType(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidValue(f"{name} must satisfy {_bound_text(name, low, high)}, got {value}")
    return value


def check_real(value, name: str, low: float | None = None, high: float | None = None,
               low_open: bool = False) -> float:
    """Return `value` as a float after checking it is a finite real in the bounds.

    The interval is ``[low, high]``, or ``(low, high]`` with ``low_open=True``
    (e.g. a positive scale: ``low=0, low_open=True``). A 0-d real array is
    accepted as a scalar.

    Raises
    ------
    InvalidType
        If `value` is not a real number (booleans included).
    InvalidValue
        If it is NaN or inf, or outside the bounds.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and np.isrealobj(value) \
            and value.dtype != np.bool_:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidType(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise InvalidValue(f"{name} must be finite, got {value}")
    below = low is not None and (value <= low if low_open else value < low)
    if below or (high is not None and value > high):
        raise InvalidValue(
            f"{name} must satisfy {_bound_text(name, low, high, low_open)}, got {value}")
    return value


def check_choice(value, name: str, choices):
    """Return `value` after checking it is one of `choices` (compared with ``==``).

    Raises
    ------
    InvalidValue
        ``"method must be one of 'a', 'b', got 'c'"``.
    """
    try:
        ok = any(isinstance(value, type(c)) and bool(value == c) for c in choices)
    except Exception:  # an array compared with a string, and the like
        ok = False
    if not ok:
        raise InvalidValue(
            f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_vector(values, name: str, *, min_size: int = 1, low: float | None = None,
                 low_open: bool = False) -> np.ndarray:
    """Return a 1-D float64 array of at least `min_size` finite reals, all ``>= low``.

    With ``low_open=True`` the entries must be ``> low`` (e.g. singular values
    that must be positive for D to be invertible).

    Raises
    ------
    InvalidType
        If the values are not real numbers.
    InvalidValue
        If the array is not 1-D, is too short, holds NaN or inf, or breaks the bound.
    """
    arr = np.asarray(values)
    if arr.dtype == object or np.iscomplexobj(arr) or not (
            np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise InvalidType(f"{name} must be real numbers, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim != 1 or arr.size < min_size:
        raise InvalidValue(
            f"{name} must be a 1-D array of at least {min_size} value(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidValue(f"{name} contains NaN or inf")
    if low is not None and np.any(arr <= low if low_open else arr < low):
        word = ("positive" if low_open else "non-negative") if low == 0 else \
            f"{'>' if low_open else '>='} {low}"
        raise InvalidValue(f"{name} must be finite and {word}")
    return arr


def check_gram_factors(G, A, B):
    """Validate a Gram matrix ``G = XᵀX`` (p × p) and factors A, B (p × k each)."""
    G = as_matrix(G, "G", allow_sparse=False)
    if G.shape[0] != G.shape[1]:
        raise InvalidValue(f"G must be square (p × p, the Gram matrix XᵀX), got shape {G.shape}")
    A = as_factor(A, "A", rows=G.shape[0])
    B = as_factor(B, "B", rows=G.shape[0], cols=A.shape[1])
    return G, A, B


def check_lambda(lam, name: str = "lam") -> float:
    """Return λ as a float after checking it is a finite, non-negative real."""
    lam = check_real(lam, name)
    if lam < 0:
        raise InvalidValue(f"{name} must be non-negative, got {lam}")
    return lam


def check_rank(k, p: int, name: str = "k") -> int:
    """Return the rank `k` after checking ``1 <= k <= p``."""
    return check_int(k, name, 1, p)


def check_labels(labels, n: int, name: str = "labels"):
    """Validate a 1-D integer label vector of length `n`."""
    arr = np.asarray(labels)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.bool_)
    ):
        if np.issubdtype(arr.dtype, np.floating) and arr.size and np.all(np.isfinite(arr)) \
                and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise InvalidType(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise InvalidValue(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise InvalidValue(f"{name} has length {arr.shape[0]}, expected {n} (one per item)")
    return arr.astype(np.int64)


def check_scaling_vector(d, k: int, name: str = "d"):
    """Validate the diagonal of an invertible diagonal matrix D (Eq. 3)."""
    arr = np.asarray(d)
    _check_dtype(arr.dtype, name)
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim != 1:
        raise InvalidValue(f"{name} must be 1-D (the diagonal of D), got shape {arr.shape}")
    if arr.shape[0] != k:
        raise InvalidValue(f"{name} has length {arr.shape[0]}, expected {k}")
    if not np.all(np.isfinite(arr)):
        raise InvalidValue(f"{name} contains NaN or inf")
    if np.any(arr == 0):
        raise InvalidValue(f"{name} has a zero entry, so D is not invertible")
    return arr
