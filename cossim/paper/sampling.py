"""Random sampling primitives of the simulation (paper, §4): power laws, and weighted
sampling without replacement for many users at once (the Gumbel-top-k trick).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from .._validation import InvalidType, InvalidValue

__all__ = ["POPULARITY_SAMPLERS", "sample_power_law", "sample_without_replacement", "gumbel_top_k"]

#: The readings of "PowerLaw(β)" that :func:`sample_power_law` offers.
POPULARITY_SAMPLERS = ("power", "pareto", "zipf")


def _check_positive_float(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidType(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise InvalidValue(f"{name} must be finite and positive, got {value}")
    return value


def sample_power_law(rng, exponent: float, size: int, kind: str = "power") -> np.ndarray:
    """Draw `size` positive values from a power law with the given exponent.

    Parameters
    ----------
    rng : numpy.random.Generator
    exponent : float
        β > 0.
    size : int
    kind : {"power", "pareto", "zipf"}
        ``"power"``: density ``β x^{β−1}`` on (0, 1] (NumPy's and SciPy's
        "power"/"powerlaw" distribution); for β < 1 most mass sits near 0 and a
        few values are large relative to the rest.
        ``"pareto"``: ``P(x > t) = t^{−β}`` for t ≥ 1 (a heavy right tail).
        ``"zipf"``: ``x = r^{−β}`` for a random ranking r = 1..size (Zipf's law
        by rank).

    Returns
    -------
    ndarray, shape (size,)
        Strictly positive values.
    """
    exponent = _check_positive_float(exponent, "exponent")
    if kind == "power":
        # inverse CDF of β x^{β-1}; 1 - U lies in (0, 1] so the value is > 0
        return (1.0 - rng.random(size)) ** (1.0 / exponent)
    if kind == "pareto":
        return (1.0 - rng.random(size)) ** (-1.0 / exponent)
    if kind == "zipf":
        ranks = rng.permutation(size) + 1.0
        return ranks ** (-exponent)
    raise InvalidValue(f"kind must be one of {POPULARITY_SAMPLERS}, got {kind!r}")


def sample_without_replacement(rng, log_weights, counts) -> sp.csr_matrix:
    """Weighted sampling without replacement for many rows at once.

    Row r draws ``counts[r]`` distinct columns, sequentially, each time with
    probability proportional to ``exp(log_weights[r, j])`` among the columns
    not yet drawn. Uses the Gumbel-top-k trick: the ``counts[r]`` largest of
    ``log_weights[r] + G`` with independent standard Gumbel noise G are a
    sample from exactly that sequential scheme. The noise is generated as
    ``G = -log E`` with ``E ~ Exp(1)`` (NumPy's fast ziggurat sampler). The
    ``counts[r]`` largest keys of a row are those at or above the row's
    ``counts[r]``-th largest key; that threshold comes from one vectorised
    sort of the block's keys (NumPy has no per-row k for ``np.partition``,
    and a per-row ``np.partition`` loop measured slower at paper scale), and
    the drawn columns are read off the flat mask with one ``flatnonzero``
    (no 2-D ``nonzero``, no ``argsort``).

    Parameters
    ----------
    rng : numpy.random.Generator
    log_weights : ndarray, shape (m, p)
        Log of the (unnormalised) weights; ``-inf`` marks weight 0.
    counts : ndarray of int, shape (m,)
        Items to draw per row; each must not exceed the row's number of
        positive weights.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (m, p)
        1.0 at the drawn positions (column indices sorted).
    """
    log_weights = np.asarray(log_weights, dtype=np.float64)
    if log_weights.ndim != 2:
        raise InvalidValue(f"log_weights must be 2-D, got shape {log_weights.shape}")
    if np.any(np.isnan(log_weights)) or np.any(log_weights == np.inf):
        raise InvalidValue("log_weights must not contain NaN or +inf")
    counts = np.asarray(counts)
    m, p = log_weights.shape
    if counts.shape != (m,):
        raise InvalidValue(f"counts must have shape ({m},), got {counts.shape}")
    if not np.issubdtype(counts.dtype, np.integer):
        raise InvalidType(f"counts must hold integers, got dtype {counts.dtype}")
    counts = counts.astype(np.int64)
    positive = np.isfinite(log_weights).sum(axis=1)
    if np.any(counts < 0) or np.any(counts > positive):
        raise InvalidValue("counts must be between 0 and the number of positive weights per row")
    return gumbel_top_k(rng, log_weights, counts)


def gumbel_top_k(rng, log_weights, counts) -> sp.csr_matrix:
    """Body of :func:`sample_without_replacement` for checked input.

    ``log_weights`` (float64, shape (m, p)) is only read; ``counts`` is an
    int64 array of valid counts.
    """
    m, p = log_weights.shape
    # Gumbel keys log w - log E, built in place in the noise buffer;
    # E is floored so that log never sees an exact 0
    keys = rng.standard_exponential(size=(m, p))
    np.maximum(keys, np.finfo(np.float64).tiny, out=keys)
    np.log(keys, out=keys)
    np.subtract(log_weights, keys, out=keys)
    # per-row threshold: the counts[r]-th largest key (rows with count 0 take nothing)
    ordered = np.sort(keys, axis=1)
    rows = np.arange(m)
    threshold = np.full(m, np.inf)
    some = counts > 0
    threshold[some] = ordered[rows[some], p - counts[some]]
    del ordered
    mask = keys >= threshold[:, None]
    drawn = mask.sum(axis=1)
    bad = np.flatnonzero(drawn != counts)
    for r in bad:  # exact ties of keys (probability 0): fall back to a sort of that row
        mask[r] = False
        mask[r, np.argsort(-keys[r], kind="stable")[: counts[r]]] = True
    # flat positions are row-major: rows in order, columns sorted within a row
    cols = np.flatnonzero(mask.ravel())
    cols -= np.repeat(rows * p, counts)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    data = np.ones(cols.shape[0], dtype=np.float64)
    return sp.csr_matrix((data, cols.astype(np.int32), indptr), shape=(m, p))
