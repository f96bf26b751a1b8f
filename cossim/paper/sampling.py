"""Random sampling primitives of the simulation (paper, §4): power laws, and weighted
sampling without replacement for many users at once (the Gumbel-top-k trick).

Also the exact law of the item counts k_u that the default reading realises
(:func:`power_count_law`), the discrete power law it is *not*
(:func:`discrete_power_law`), and the distances that tell them apart
(:func:`total_variation`, :func:`kolmogorov_distance` with the sampling-noise
bound :func:`dkw_bound`).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from .._validation import InvalidType, InvalidValue

__all__ = ["POPULARITY_SAMPLERS", "sample_power_law", "sample_without_replacement", "gumbel_top_k",
           "gumbel_top_k_columns", "kth_largest",
           "power_count_law", "discrete_power_law", "total_variation", "kolmogorov_distance",
           "dkw_bound"]

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
    sort of the block's keys rounded to float32, made exact by
    :func:`kth_largest` (NumPy has no per-row k for ``np.partition``, and a
    per-row ``np.partition`` loop measured slower at paper scale), and
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
    cols = gumbel_top_k_columns(rng, log_weights, counts)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    data = np.ones(cols.shape[0], dtype=np.float64)
    return sp.csr_matrix((data, cols, indptr), shape=(m, p))


class _GumbelWork:
    """Arrays reused by the blocks of one sampler run (rows <= `m`, `p` columns).

    A block of m × p keys needs a float64, two float32 and a boolean m × p
    array; writing each block into the same ones spares the page faults of
    fresh allocations. :meth:`rows` gives views of the first b rows
    (C-contiguous).
    """

    def __init__(self, m: int, p: int, keys=None):
        self.keys = np.empty((m, p)) if keys is None else keys
        self.rounded = np.empty((m, p), dtype=np.float32)
        self.sorted = np.empty((m, p), dtype=np.float32)
        self.mask = np.empty((m, p), dtype=bool)

    def rows(self, b: int) -> tuple:
        return self.keys[:b], self.rounded[:b], self.sorted[:b], self.mask[:b]


def kth_largest(keys, counts) -> np.ndarray:
    """Each row's ``counts[r]``-th largest entry of `keys` (+inf where ``counts[r] == 0``), exactly.

    The value a float64 sort of each row gives, found with a sort of the keys
    rounded to float32 (half the bytes, twice as fast). Rounding is monotone
    (a ≤ b implies fl(a) ≤ fl(b)), so the float32 sort's entry t is the rounded
    threshold: keys that round above t are above the threshold, keys that
    round below it are below, and the threshold is the
    ``(counts[r] − #above)``-th largest of the few keys that round to t.

    Parameters
    ----------
    keys : ndarray of float64, shape (m, p)
        No NaN (±inf allowed).
    counts : ndarray of int64, shape (m,)
        ``0 <= counts[r] <= p``.
    """
    shape = keys.shape
    return _kth_largest(keys, counts, np.empty(shape, np.float32), np.empty(shape, np.float32))


def _kth_largest(keys, counts, rounded, ordered) -> np.ndarray:
    """:func:`kth_largest` with its two float32 arrays (m × p, C order) given."""
    m, p = keys.shape
    rows = np.arange(m)
    rank = np.maximum(counts, 1)  # rows with count 0: any rank, overwritten below
    np.copyto(rounded, keys)  # (the rounding of astype)
    np.copyto(ordered, rounded)
    ordered.sort(axis=1)
    t = ordered[rows, p - rank][:, None]
    need = rank - np.count_nonzero(rounded > t, axis=1)  # >= 1
    # row-major positions: grouped by row (one flatnonzero: much faster than a 2-D nonzero)
    tie_rows, tie_cols = np.divmod(np.flatnonzero(rounded == t), p)
    values = keys[tie_rows, tie_cols]
    order = np.lexsort((-values, tie_rows))  # within a row, by decreasing value
    first = np.searchsorted(tie_rows, rows)  # start of each row's group
    threshold = values[order][first + need - 1]
    threshold[counts == 0] = np.inf
    return threshold


def gumbel_top_k_columns(rng, log_weights, counts) -> np.ndarray:
    """The drawn columns of :func:`gumbel_top_k`, row after row, sorted within a row (int32).

    Row r contributes ``counts[r]`` columns; the same random draws as
    :func:`gumbel_top_k`, without building the sparse matrix (a caller that
    draws many blocks builds one matrix at the end).
    """
    return _gumbel_columns(rng, log_weights, counts)


def _gumbel_columns(rng, log_weights, counts, work: _GumbelWork | None = None) -> np.ndarray:
    """:func:`gumbel_top_k_columns`, with the block's arrays taken from `work` if given.

    Without `work` the noise is drawn as ``rng.standard_exponential(size=(m, p))``
    into a fresh array; with it, into ``work.keys`` (``out=``: the same draws).
    """
    m, p = log_weights.shape
    if work is None:
        work = _GumbelWork(m, p, keys=rng.standard_exponential(size=(m, p)))
        keys, rounded, ordered, mask = work.rows(m)
    else:
        keys, rounded, ordered, mask = work.rows(m)
        rng.standard_exponential(out=keys)
    # Gumbel keys log w - log E, built in place in the noise buffer;
    # E is floored so that log never sees an exact 0
    np.maximum(keys, np.finfo(np.float64).tiny, out=keys)
    np.log(keys, out=keys)
    np.subtract(log_weights, keys, out=keys)
    # per-row threshold: the counts[r]-th largest key (rows with count 0 take nothing)
    rows = np.arange(m)
    threshold = _kth_largest(keys, counts, rounded, ordered)
    np.greater_equal(keys, threshold[:, None], out=mask)
    drawn = mask.sum(axis=1)
    bad = np.flatnonzero(drawn != counts)
    for r in bad:  # exact ties of keys (probability 0): fall back to a sort of that row
        top = np.argsort(-keys[r], stable=True)[: counts[r]]
        mask[r] = np.bincount(top, minlength=p) > 0
    # flat positions are row-major: rows in order, columns sorted within a row
    cols = np.flatnonzero(mask.ravel())
    cols -= np.repeat(rows * p, counts)
    return cols.astype(np.int32)


def _check_count_range(low, high) -> tuple:
    for value, name in ((low, "low"), (high, "high")):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise InvalidType(f"{name} must be an integer, got {type(value).__name__}")
    if not 1 <= low <= high:
        raise InvalidValue(f"need 1 <= low <= high, got low={low}, high={high}")
    return int(low), int(high)


def power_count_law(exponent: float, low: int, high: int) -> np.ndarray:
    """Exact law of the counts ``k = low + floor(N x)`` with x ~ ``"power"``, N = high − low + 1.

    This is the law of k_u in :func:`cossim.simulate` with the default
    ``items_per_user_sampler="power"``: x has density ``β x^{β−1}`` on (0, 1],
    so ``P(k = low + j) = ((j + 1)/N)^β − (j/N)^β`` for j = 0 … N − 1 (the
    value ``x = 1``, of probability 0, is clipped to `high`). For large j this
    is about ``β j^{β−1} / N^β``: the tail falls off like ``k^{β−1}``, i.e. like
    ``k^{−1/2}`` for β = ½. It is *not* the discrete law ``P(k) ∝ k^{−1/2}``
    (:func:`discrete_power_law`): the first count gets ``N^{−β}``, for β = ½
    about twice that law's ``1 / Σ_k k^{−1/2} ≈ 1/(2√N)``.

    Returns
    -------
    ndarray, shape (N,)
        ``P(k)`` for k = low … high; sums to 1.
    """
    exponent = _check_positive_float(exponent, "exponent")
    low, high = _check_count_range(low, high)
    n = high - low + 1
    cdf = (np.arange(n + 1) / n) ** exponent
    return np.diff(cdf)


def discrete_power_law(exponent: float, low: int, high: int) -> np.ndarray:
    """The discrete power law ``P(k) ∝ k^{−β}`` on k = low … high (normalised)."""
    exponent = _check_positive_float(exponent, "exponent")
    low, high = _check_count_range(low, high)
    w = np.arange(low, high + 1) ** -exponent  # (int ** float: float64)
    return w / w.sum()


def total_variation(p, q) -> float:
    """Total-variation distance ``½ Σ |p_k − q_k|`` of two laws on the same support."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q)  # (p − q is float64 for any real q)
    if p.shape != q.shape or p.ndim != 1:
        raise InvalidValue(f"p and q must be 1-D of one length, got {p.shape} and {q.shape}")
    return 0.5 * float(np.abs(p - q).sum())


def kolmogorov_distance(sample, pmf, low: int = 1) -> float:
    """``sup_k |F_n(k) − F(k)|``: empirical CDF of integer `sample` against the law `pmf`.

    Parameters
    ----------
    sample : array_like of int
        Draws, each in ``low … low + len(pmf) − 1``.
    pmf : array_like, shape (N,)
        ``P(k)`` for k = low … low + N − 1.
    low : int
        The smallest value of the support.

    Notes
    -----
    Under the law `pmf`, :func:`dkw_bound` bounds this distance with a chosen
    confidence (the Dvoretzky–Kiefer–Wolfowitz inequality, Massart's constant,
    which holds for discrete laws too).
    """
    pmf = np.asarray(pmf)  # (the empirical CDF is float64: so is the difference)
    sample = np.asarray(sample)
    if sample.ndim != 1 or sample.size == 0 or not np.issubdtype(sample.dtype, np.integer):
        raise InvalidValue("sample must be a non-empty 1-D array of integers")
    if pmf.ndim != 1 or pmf.size == 0:
        raise InvalidValue("pmf must be a non-empty 1-D array")
    offset = sample.astype(np.int64) - int(low)
    if offset.min() < 0 or offset.max() >= pmf.size:
        raise InvalidValue(f"sample must lie in {low} … {low + pmf.size - 1}")
    empirical = np.cumsum(np.bincount(offset, minlength=pmf.size)) / sample.size
    return float(np.max(np.abs(empirical - np.cumsum(pmf))))


def dkw_bound(n: int, alpha: float = 1e-3) -> float:
    """``ε = √(log(2/α) / (2n))``: under the true law, ``P(sup|F_n − F| > ε) ≤ α``.

    The Dvoretzky–Kiefer–Wolfowitz inequality with Massart's tight constant
    (``P(sup|F_n − F| > ε) ≤ 2 exp(−2nε²)``) for n independent draws.
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise InvalidValue(f"n must be a positive integer, got {n!r}")
    alpha = _check_positive_float(alpha, "alpha")
    if alpha >= 1:
        raise InvalidValue(f"alpha must be below 1, got {alpha}")
    return float(np.sqrt(np.log(2.0 / alpha) / (2.0 * n)))
