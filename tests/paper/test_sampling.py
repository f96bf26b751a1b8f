"""Tests of cossim.paper.sampling: power laws and weighted sampling without replacement."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from cossim import sample_power_law, sample_without_replacement
from cossim._validation import InvalidType, InvalidValue
from cossim.paper.sampling import POPULARITY_SAMPLERS


def exact_sequential_probabilities(weights, k):
    """Exact law of sequential weighted sampling without replacement, by enumeration.

    Returns ({frozenset: probability}, inclusion probability per item): every
    ordered sequence of k distinct items has probability
    prod_t w[i_t] / (W - sum of the weights drawn before step t).
    """
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    sets = {}
    for seq in itertools.permutations(np.flatnonzero(weights > 0), k):
        prob, left = 1.0, total
        for i in seq:
            prob *= weights[i] / left
            left -= weights[i]
        key = frozenset(int(i) for i in seq)
        sets[key] = sets.get(key, 0.0) + prob
    inclusion = np.zeros(weights.size)
    for key, prob in sets.items():
        inclusion[list(key)] += prob
    return sets, inclusion


def test_enumeration_helper_is_a_distribution():
    sets, inclusion = exact_sequential_probabilities([4.0, 2.0, 1.0, 1.0], 2)
    assert_allclose(sum(sets.values()), 1.0, rtol=1e-12)
    assert_allclose(inclusion.sum(), 2.0, rtol=1e-12)  # k items per draw
    # a hand-computed case: P(item 0 first) + P(item 0 second)
    p0 = 4 / 8 + (2 / 8) * (4 / 6) + (1 / 8) * (4 / 7) * 2
    assert_allclose(inclusion[0], p0, rtol=1e-12)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_gumbel_top_k_matches_sequential_sampling(k):
    """Inclusion frequencies match the exact probabilities of sequential sampling.

    N = 200,000 independent rows; a frequency's standard error is at most
    sqrt(0.25/N) ≈ 0.0011, and the stated tolerance is 0.006 (more than 5
    standard errors), for each item and for each k-subset.
    """
    weights = np.array([6.0, 3.0, 2.0, 1.0, 0.5, 0.0])  # the last can never be drawn
    n_rows = 200_000
    rng = np.random.default_rng(12345)
    with np.errstate(divide="ignore"):
        logw = np.tile(np.log(weights), (n_rows, 1))
    X = sample_without_replacement(rng, logw, np.full(n_rows, k))
    assert X.shape == (n_rows, weights.size)
    assert_array_equal(np.diff(X.indptr), k)  # k distinct items per row
    assert X.data.min() == 1.0 and X.data.max() == 1.0
    freq = np.asarray(X.sum(axis=0)).ravel() / n_rows
    sets, inclusion = exact_sequential_probabilities(weights, k)
    assert freq[-1] == 0.0
    assert_allclose(freq, inclusion, atol=0.006, rtol=0)
    # the law of the drawn set, not only the marginals
    dense = X.toarray().astype(bool)
    codes = dense @ (1 << np.arange(weights.size))
    observed = np.bincount(codes, minlength=1 << weights.size) / n_rows
    for subset, prob in sets.items():
        code = sum(1 << i for i in subset)
        assert abs(observed[code] - prob) < 0.006, (subset, observed[code], prob)


def test_gumbel_top_k_is_not_uniform():
    """A check that the test above can fail: uniform sampling would be rejected."""
    weights = np.array([6.0, 3.0, 2.0, 1.0, 0.5])
    _, inclusion = exact_sequential_probabilities(weights, 2)
    uniform = np.full(5, 2 / 5)
    assert np.max(np.abs(uniform - inclusion)) > 0.006


def test_rows_with_different_counts_and_zero_weights():
    rng = np.random.default_rng(0)
    logw = np.log(rng.random((50, 30)))
    logw[:, :10] = -np.inf
    counts = rng.integers(0, 21, size=50)
    X = sample_without_replacement(rng, logw, counts)
    assert_array_equal(np.diff(X.indptr), counts)
    assert X.nnz == 0 or X.indices.min() >= 10
    assert X.has_sorted_indices


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 8), p=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_sampling_shapes_and_counts(m, p, seed):
    rng = np.random.default_rng(seed)
    logw = rng.normal(size=(m, p))
    counts = rng.integers(0, p + 1, size=m)
    X = sample_without_replacement(rng, logw, counts)
    assert X.shape == (m, p)
    assert_array_equal(np.diff(X.indptr), counts)
    for r in range(m):  # distinct columns in each row
        row = X.indices[X.indptr[r]:X.indptr[r + 1]]
        assert np.unique(row).size == row.size


def test_sampling_bad_input():
    rng = np.random.default_rng(0)
    logw = np.zeros((3, 4))
    with pytest.raises(ValueError, match="counts"):
        sample_without_replacement(rng, logw, [1, 2])
    with pytest.raises(ValueError, match="counts"):
        sample_without_replacement(rng, logw, [1, 2, 5])
    with pytest.raises(ValueError, match="counts"):
        sample_without_replacement(rng, logw, [1, -1, 0])
    with pytest.raises(TypeError, match="counts"):
        sample_without_replacement(rng, logw, [1.5, 1, 1])
    bad = logw.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="log_weights"):
        sample_without_replacement(rng, bad, [1, 1, 1])
    with pytest.raises(ValueError, match="log_weights"):
        sample_without_replacement(rng, np.zeros(4), [1])


@pytest.mark.parametrize("kind", POPULARITY_SAMPLERS)
def test_power_law_samplers(kind):
    rng = np.random.default_rng(1)
    beta = 0.5
    x = sample_power_law(rng, beta, 100_000, kind)
    assert np.all(x > 0) and np.all(np.isfinite(x))
    # with n = 100,000 draws a frequency has sd ≤ √(0.25/n) ≈ 0.0016 and the mean of x ∈ (0, 1]
    # sd ≤ 0.0016 too: atol 0.005 is three of them; exponent 1 instead of ½ moves each by > 0.1
    if kind == "power":  # density β x^(β−1) on (0, 1]: mean β/(β+1), P(x ≤ t) = t^β
        assert x.max() <= 1.0
        assert_allclose(x.mean(), beta / (beta + 1), atol=0.005)
        assert_allclose(np.mean(x <= 0.25), 0.25**beta, atol=0.005)
    elif kind == "pareto":  # P(x > t) = t^(−β), t ≥ 1
        assert x.min() >= 1.0
        assert_allclose(np.mean(x > 4.0), 4.0**-beta, atol=0.005)
    else:  # x = r^(−β) for a permutation of the ranks 1..n
        assert_allclose(np.sort(x)[::-1], np.arange(1, x.size + 1) ** -beta, rtol=1e-12)


def test_power_law_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="kind"):
        sample_power_law(rng, 1.0, 3, "lognormal")
    with pytest.raises(ValueError, match="exponent"):
        sample_power_law(rng, -1.0, 3)
    with pytest.raises(TypeError, match="exponent"):
        sample_power_law(rng, "1", 3)


def test_sampling_errors_are_the_callers_mistakes():
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidValue):
        sample_power_law(rng, 1.0, 3, "lognormal")
    with pytest.raises(InvalidType):
        sample_power_law(rng, "1", 3)
    with pytest.raises(InvalidValue):
        sample_without_replacement(rng, np.zeros((2, 3)), np.array([4, 1]))


# ---------------------------------------------------------------- the law of the counts k_u

def test_power_count_law_is_the_floor_of_the_power_law():
    from cossim import discrete_power_law, power_count_law, total_variation

    law = power_count_law(0.5, 1, 1000)
    k = np.arange(1, 1001)
    # P(k) = (√k − √(k−1))/√p exactly; sums to 1 up to the rounding of 1000 terms
    assert_allclose(law, (np.sqrt(k) - np.sqrt(k - 1)) / np.sqrt(1000), rtol=1e-12)
    assert_allclose(law.sum(), 1.0, rtol=1e-13)
    other = discrete_power_law(0.5, 1, 1000)
    assert_allclose(other, k**-0.5 / np.sum(k**-0.5), rtol=1e-13)
    # the two laws differ: about twice the mass at k = 1 (1/√p against ≈ 1/(2√p − 1.46)),
    # total variation 0.0188 (the value the simulation's docstring rounds to 0.019)
    assert_allclose(law[0] / other[0], (2 * np.sqrt(1000) - 1.46) / np.sqrt(1000), rtol=1e-3)
    assert round(total_variation(law, other), 3) == 0.019
    # the tail: for large k, P(k) = 1/(√p(√k + √(k−1))) ≈ 1/(2√(kp)), relative error ≈ 1/(4k)
    assert_allclose(law[-100:], 1 / (2 * np.sqrt(k[-100:] * 1000)), rtol=1 / (3.9 * 900))


def test_power_count_law_matches_the_sampler():
    """The counts k = lo + floor(N x) of the simulation follow power_count_law, not the other law."""
    from cossim import discrete_power_law, dkw_bound, kolmogorov_distance, power_count_law
    from cossim.paper.simulation import _counts_from_power_law

    rng = np.random.default_rng(3)
    n, lo, hi = 200_000, 3, 402
    k = _counts_from_power_law(sample_power_law(rng, 0.5, n, "power"), "power", lo, hi)
    bound = dkw_bound(n, 1e-3)  # exceeded with probability ≤ 0.001 under the true law
    assert kolmogorov_distance(k, power_count_law(0.5, lo, hi), lo) <= bound
    assert kolmogorov_distance(k, discrete_power_law(0.5, lo, hi), lo) > bound
    assert kolmogorov_distance(k, power_count_law(1.0, lo, hi), lo) > bound  # wrong exponent


def test_distances_and_bound():
    from cossim import dkw_bound, kolmogorov_distance, total_variation

    assert total_variation([0.5, 0.5], [1.0, 0.0]) == 0.5
    assert kolmogorov_distance(np.array([1, 1, 2, 3]), [0.5, 0.25, 0.25], 1) == 0.0
    assert_allclose(kolmogorov_distance(np.array([2, 2]), [0.5, 0.5], 1), 0.5, rtol=1e-15)
    assert_allclose(dkw_bound(20_000, 1e-3), np.sqrt(np.log(2000) / 40_000), rtol=1e-15)
    with pytest.raises(InvalidValue):
        kolmogorov_distance(np.array([0, 1]), [0.5, 0.5], 1)
    with pytest.raises(InvalidValue):
        total_variation([1.0], [0.5, 0.5])
    with pytest.raises(InvalidValue):
        dkw_bound(0)
    with pytest.raises(InvalidValue):
        dkw_bound(10, 1.5)
    from cossim import power_count_law

    with pytest.raises(InvalidValue):
        power_count_law(0.5, 5, 4)
    with pytest.raises(InvalidType):
        power_count_law(0.5, 1.0, 4)


@pytest.mark.parametrize("seed", range(8))
def test_kth_largest_is_the_float64_sorts_entry(seed):
    """The float32 sort plus the exact tie step gives the float64 sort's value, bit for bit."""
    from cossim.paper.sampling import kth_largest

    rng = np.random.default_rng(seed)
    m, p = 30, 200
    keys = rng.standard_normal((m, p)) * 10
    if seed % 2:  # many distinct float64 keys that round to one float32
        keys = np.round(keys) + rng.integers(0, 3, (m, p)) * 1e-12
    keys[rng.random((m, p)) < 0.1] = -np.inf
    counts = np.array([rng.integers(0, n + 1) for n in np.isfinite(keys).sum(axis=1)])
    ordered = np.sort(keys, axis=1)
    expected = np.array([np.inf if c == 0 else ordered[r, p - c] for r, c in enumerate(counts)])
    assert_array_equal(kth_largest(keys, counts), expected)
    # the comparison can fail: the next entry of the sort is another value
    shifted = np.minimum(counts + 1, np.isfinite(keys).sum(axis=1))
    assert not np.array_equal(kth_largest(keys, shifted), expected)


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_infinite_log_weight_is_rejected():
    with pytest.raises(InvalidValue, match="^log_weights must not contain NaN or \\+inf$"):
        sample_without_replacement(np.random.default_rng(0), [[0.0, np.inf]], [1])


def test_discrete_power_law_by_hand():
    """k^{-1} on 1..3, normalised: (1, ½, ⅓) / (11/6)."""
    from cossim.paper.sampling import discrete_power_law

    assert_allclose(discrete_power_law(1.0, 1, 3), np.array([6, 3, 2]) / 11, rtol=1e-15)
    with pytest.raises(InvalidValue, match="^exponent must be finite and positive, got 0.0$"):
        discrete_power_law(0.0, 1, 3)


def test_total_variation_of_unsigned_counts():
    """Laws given as unsigned integers are read as numbers (no wrap-around in p − q)."""
    from cossim.paper.sampling import total_variation

    p, q = np.array([1, 0], dtype=np.uint8), np.array([0, 1], dtype=np.uint8)
    assert total_variation(p, q) == 1.0
    assert total_variation([0.5, 0.5], [0.25, 0.75]) == 0.25
    with pytest.raises(InvalidValue, match="^p and q must be 1-D of one length, got \\(2,\\) and \\(3,\\)$"):
        total_variation([0.5, 0.5], [0.2, 0.3, 0.5])


def test_kolmogorov_distance_by_hand_and_at_the_support_edges():
    """Default support starts at 1. Sample (1, 2) against (¼, ¼, ½): F_n = (½, 1, 1), F = (¼, ½, 1),
    distance ½; a single draw and a one-point law are allowed."""
    from cossim.paper.sampling import kolmogorov_distance

    assert kolmogorov_distance([1, 2], [0.25, 0.25, 0.5]) == 0.5
    assert kolmogorov_distance([1, 2], [0.5, 0.5]) == 0.0
    assert kolmogorov_distance([5], [1.0], low=5) == 0.0
    assert kolmogorov_distance([1], [1]) == 0.0


@pytest.mark.parametrize("sample, pmf, match", [
    (np.array([], dtype=np.int64), [1.0], "^sample must be a non-empty 1-D array of integers$"),
    ([[1]], [1.0], "^sample must be a non-empty 1-D array of integers$"),
    (np.array([1.0]), [1.0], "^sample must be a non-empty 1-D array of integers$"),
    ([1], [[0.5, 0.5]], "^pmf must be a non-empty 1-D array$"),
    ([1], [], "^pmf must be a non-empty 1-D array$"),
    ([3], [0.5, 0.5], "^sample must lie in 1 … 2$"),
    ([0], [0.5, 0.5], "^sample must lie in 1 … 2$"),
])
def test_kolmogorov_distance_messages(sample, pmf, match):
    from cossim.paper.sampling import kolmogorov_distance

    with pytest.raises(InvalidValue, match=match):
        kolmogorov_distance(sample, pmf)


def test_dkw_bound_by_hand_and_boundaries():
    """ε = √(log(2/α)/(2n)), α = 10⁻³ by default; n = 1 is allowed, α must be below 1."""
    from cossim.paper.sampling import dkw_bound

    assert dkw_bound(100) == float(np.sqrt(np.log(2.0 / 1e-3) / 200.0))
    assert dkw_bound(1, 0.5) == float(np.sqrt(np.log(4.0) / 2.0))
    for n in (0, True, 2.0):
        with pytest.raises(InvalidValue, match=f"^n must be a positive integer, got {n!r}$"):
            dkw_bound(n)
    with pytest.raises(InvalidValue, match="^alpha must be below 1, got 1.0$"):
        dkw_bound(10, 1.0)
    with pytest.raises(InvalidValue, match="^alpha must be finite and positive, got 0.0$"):
        dkw_bound(10, 0.0)


class _FixedExponentials:
    """A stand-in generator whose standard exponential draws are given (to force exact ties)."""

    def __init__(self, draws):
        self.draws = np.asarray(draws, dtype=np.float64)

    def standard_exponential(self, size):
        return np.broadcast_to(self.draws, size).copy()


def _count_argsort(monkeypatch):
    calls = []
    real = np.argsort

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(np, "argsort", spy)
    return calls


def test_gumbel_top_k_breaks_exact_ties_by_the_smaller_index(monkeypatch):
    """All keys equal (E = 1, equal weights): the row takes its first `count` columns, and only
    that row is sorted; rows without ties (counts 0 and 1 included) use the one vectorised pass."""
    from cossim.paper.sampling import gumbel_top_k

    calls = _count_argsort(monkeypatch)
    logw = np.zeros((1, 40))
    X = gumbel_top_k(_FixedExponentials(np.ones(40)), logw, np.array([5]))
    assert_array_equal(X.toarray()[0], [1.0] * 5 + [0.0] * 35)
    assert len(calls) == 1
    # two key levels, ties at the threshold in an order an unstable sort scrambles
    level = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1,
                      1, 0, 0, 1, 0, 1, 0, 0, 0, 0], dtype=float)
    count = int(level.sum()) // 2
    X = gumbel_top_k(_FixedExponentials(np.ones(40)), level[None, :], np.array([count]))
    assert_array_equal(X.indices, np.flatnonzero(level)[:count])
    calls.clear()
    draws = np.arange(1.0, 41.0)  # distinct keys: -log E decreases with the column
    X = gumbel_top_k(_FixedExponentials(draws), np.zeros((3, 40)), np.array([0, 1, 3]))
    assert_array_equal(X.toarray().sum(axis=1), [0, 1, 3])
    assert_array_equal(X.indices, [0, 0, 1, 2])
    assert calls == []


def test_gumbel_top_k_floors_an_exact_zero_exponential_draw():
    """E = 0 would give log 0; it is floored at the smallest normal float, silently."""
    import warnings

    from cossim.paper.sampling import gumbel_top_k

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = gumbel_top_k(_FixedExponentials([0.0, 1.0]), np.zeros((1, 2)), np.array([1]))
    assert_array_equal(X.toarray(), [[1.0, 0.0]])
    assert X.dtype == np.float64 and X.indices.dtype == np.int32


def test_sample_power_law_default_is_power():
    a = sample_power_law(np.random.default_rng(4), 0.5, 50)
    b = sample_power_law(np.random.default_rng(4), 0.5, 50, "power")
    assert_array_equal(a, b)
    assert np.all((a > 0) & (a <= 1))


def test_power_count_law_one_point_and_messages():
    from cossim.paper.sampling import power_count_law

    assert_array_equal(power_count_law(0.5, 3, 3), [1.0])  # low = high
    assert_allclose(power_count_law(1.0, 1, 4), [0.25] * 4, rtol=1e-15)  # β = 1: uniform
    for args, error, match in (((0.5, 1.5, 3), InvalidType, "^low must be an integer, got float$"),
                               ((0.5, 1, 3.0), InvalidType, "^high must be an integer, got float$"),
                               ((0.5, 3, 2), InvalidValue, "^need 1 <= low <= high, got low=3, high=2$"),
                               ((0.5, 0, 2), InvalidValue, "^need 1 <= low <= high, got low=0, high=2$"),
                               ((-0.5, 1, 2), InvalidValue, "^exponent must be finite and positive, got -0.5$")):
        with pytest.raises(error, match=match):
            power_count_law(*args)


def _columns_one_row_at_a_time(rng, log_weights, counts):
    """The straightforward Gumbel-top-k: fresh noise for the whole block, float64 keys, a
    stable sort of each row (ties to the smaller index), the drawn columns in index order."""
    noise = rng.standard_exponential(size=log_weights.shape)
    keys = log_weights - np.log(np.maximum(noise, np.finfo(np.float64).tiny))
    return np.concatenate([np.sort(np.argsort(-row, stable=True)[:c]) for row, c in zip(keys, counts)])


@pytest.mark.parametrize("seed", range(4))
def test_gumbel_columns_with_reused_arrays_equal_the_straightforward_draw(seed):
    """Blocks of 7, 7 and 3 rows through one _GumbelWork (arrays dirty from the block before):
    the draws of fresh arrays and of a plain float64 sort per row, bit for bit, including rows
    that take nothing and rows that take every positive weight (exact ties: the next test)."""
    from cossim.paper.sampling import _gumbel_columns, _GumbelWork, gumbel_top_k_columns

    rng = np.random.default_rng(seed)
    p = 40
    blocks = []
    for m in (7, 7, 3):
        logw = np.log(rng.random((m, p)))
        logw[rng.random((m, p)) < 0.2] = -np.inf
        positive = np.isfinite(logw).sum(axis=1)
        counts = np.array([rng.integers(0, n + 1) for n in positive], dtype=np.int64)
        counts[0], counts[-1] = 0, positive[-1]
        blocks.append((logw, counts))
    work = _GumbelWork(7, p)
    got = [_gumbel_columns(np.random.default_rng(100 + i), lw, c, work) for i, (lw, c) in enumerate(blocks)]
    for i, (lw, c) in enumerate(blocks):
        assert_array_equal(got[i], gumbel_top_k_columns(np.random.default_rng(100 + i), lw, c))
        assert_array_equal(got[i], _columns_one_row_at_a_time(np.random.default_rng(100 + i), lw, c))


class _ConstantNoise:
    """A stand-in generator whose exponential noise is all ones: every key ties with its weight."""

    def standard_exponential(self, size=None, out=None):
        if out is None:
            return np.ones(size)
        out.fill(1.0)
        return out


def test_gumbel_columns_exact_ties_take_the_smaller_index():
    from cossim.paper.sampling import _gumbel_columns, _GumbelWork

    logw = np.zeros((3, 6))
    logw[1, [0, 4]] = -np.inf
    counts = np.array([2, 3, 6], dtype=np.int64)
    work = _GumbelWork(3, 6)
    work.keys.fill(np.nan)  # dirty arrays
    cols = _gumbel_columns(_ConstantNoise(), logw, counts, work)
    assert_array_equal(cols, _columns_one_row_at_a_time(_ConstantNoise(), logw, counts))
    assert_array_equal(cols, [0, 1, 1, 2, 3, 0, 1, 2, 3, 4, 5])
