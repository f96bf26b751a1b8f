"""cossim.linalg.gram: the one XᵀX of the package, and the eigenpairs of it."""

import numpy as np
import pytest
import scipy.linalg.blas
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

import cossim
from cossim._validation import InvalidValue
from cossim.linalg import gram as gram_module
from cossim.linalg.gram import _eigh_top, _exact_in_float32, gram_matrix


def test_public_name_is_the_one_implementation():
    assert cossim.gram_matrix is gram_matrix
    assert cossim.paper.optim.gram_matrix is gram_matrix


@pytest.mark.parametrize("sparse", [False, True])
def test_binary_data_is_exact_and_symmetric(sparse):
    """0/1 data: every entry of XᵀX is an integer count, computed exactly
    (float32 BLAS when exact, or the sparse product)."""
    rng = np.random.default_rng(0)
    X = (rng.random((300, 40)) < 0.2).astype(float)
    exact = (X.astype(np.int64).T @ X.astype(np.int64)).astype(float)
    G = gram_matrix(sp.csr_matrix(X) if sparse else X)
    assert G.dtype == np.float64
    assert_array_equal(G, exact)
    assert_array_equal(G, G.T)


def test_real_data_matches_product_to_rounding():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 30))
    G = gram_matrix(X)
    ref = X.T @ X
    # each entry is a sum of n products: rounding error below n·eps·Σ|x_ui x_uj|
    bound = X.shape[0] * np.finfo(float).eps * (np.abs(X).T @ np.abs(X))
    assert np.all(np.abs(G - ref) <= bound)
    assert_array_equal(G, G.T)


def test_sparse_routes_agree():
    """A sparse X takes the sparse product or the dense blocks by cost; both give XᵀX."""
    very_sparse = sp.random(500, 50, density=0.01, random_state=3, format="csr")
    dense_enough = sp.random(500, 50, density=0.6, random_state=4, format="csr")
    for X in (very_sparse, dense_enough):
        assert_allclose(gram_matrix(X), (X.T @ X).toarray(), rtol=1e-12, atol=1e-12)


def test_float32_route_only_when_exact():
    assert gram_module._exact_in_float32(np.array([0.0, 1.0, 3.0]), 1000)
    assert not gram_module._exact_in_float32(np.array([0.5]), 10)        # not integers
    assert not gram_module._exact_in_float32(np.array([1.0, 2.0]), 2**23)  # sums reach 2²⁴


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="X contains NaN"):
        gram_matrix(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match="X has complex dtype"):
        gram_matrix(np.ones((2, 2), dtype=complex))


def test_eigh_top_gives_descending_sigma_and_eigenvectors():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((50, 8))
    sigma, V = _eigh_top(gram_matrix(X), 3)
    s = np.linalg.svd(X, compute_uv=False)
    assert_allclose(sigma, s[:3], rtol=1e-12)
    assert_allclose(V.T @ V, np.eye(3), atol=1e-12)
    assert_allclose(X.T @ X @ V, V * sigma**2, rtol=1e-10, atol=1e-10 * s[0] ** 2)


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

@pytest.mark.parametrize("values, n, exact", [
    (np.array([]), 5, True),                 # nothing stored: trivially exact
    (np.array([1.0]), 2**24, False),         # max² · n = 2²⁴ is not below 2²⁴
    (np.array([1.0]), 2**24 - 1, True),
    (np.array([2.0]), 2**22, False),
    (np.array([3.0]), 1_864_135, True),      # 9 · n = 2²⁴ − 1
    (np.array([3.0]), 1_864_136, False),     # 9 · n = 2²⁴ + 8
    (np.array([-3.0, 1.0]), 1_864_136, False),
    (np.array([1.0]), 100, True),
])
def test_float32_rule_at_its_boundary(values, n, exact):
    assert gram_module._exact_in_float32(values, n) is exact


def _spy_syrk(monkeypatch):
    calls = []
    for name in ("ssyrk", "dsyrk"):
        real = getattr(scipy.linalg.blas, name)

        def spy(alpha, a, *, beta, c, _name=name, _real=real, **flags):
            calls.append((_name, a.shape, a.dtype, c.dtype))
            return _real(alpha, a, beta=beta, c=c, **flags)
        monkeypatch.setattr(scipy.linalg.blas, name, spy)
    return calls


def _rows_with(nnz_per_row, p):
    """CSR 0/1 matrix whose row u has its first nnz_per_row[u] entries set."""
    dense = np.zeros((len(nnz_per_row), p))
    for u, m in enumerate(nnz_per_row):
        dense[u, :m] = 1.0
    return sp.csr_matrix(dense), dense


@pytest.mark.parametrize("nnz, route", [
    ([10] * 9 + [0] * 6, "sparse"),        # 30 · Σ nnz² = 27,000 = n p² / 2: the sparse product (<=)
    ([10] * 8 + [11] + [0] * 6, "dense"),  # 30 · 921 = 27,630 > 27,000: dense blocks
])
def test_sparse_or_dense_route_by_cost(monkeypatch, nnz, route):
    """n = 15, p = 60: the documented rule DENSE_SPEEDUP · Σ_u nnz_u² <= n·p²/2 picks the sparse product."""
    assert gram_module.DENSE_SPEEDUP == 30
    calls = _spy_syrk(monkeypatch)
    X, dense = _rows_with(nnz, 60)
    G = gram_matrix(X)
    assert_array_equal(G, dense.T @ dense)
    assert G.dtype == np.float64
    if route == "sparse":
        assert calls == []
    else:  # 0/1 data: exact in single precision, one block
        assert calls == [("ssyrk", (60, 15), np.float32, np.float32)]


def test_route_cost_does_not_overflow_int32_indptr(monkeypatch):
    """2,200 full rows of p = 1,000: Σ nnz² = 2.2e9 exceeds int32 (scipy's indptr type here).

    The rule must still see 30 · 2.2e9 > n·p²/2 = 1.1e9 and take the dense blocks; summed
    in int32 the cost wraps to a negative number and the 100 times slower sparse product ran.
    """
    calls = _spy_syrk(monkeypatch)
    n, p = 2_200, 1_000
    X = sp.csr_matrix(np.ones((n, p)))
    assert X.indptr.dtype == np.int32
    G = gram_matrix(X)
    assert calls == [("ssyrk", (p, n), np.float32, np.float32)]
    assert_array_equal(G, np.full((p, p), float(n)))


def test_single_precision_only_when_exact(monkeypatch):
    calls = _spy_syrk(monkeypatch)
    rng = np.random.default_rng(2)
    binary = (rng.random((50, 7)) < 0.5).astype(float)
    gram_matrix(binary)
    gram_matrix(binary + 0.5)
    assert calls == [("ssyrk", (7, 50), np.float32, np.float32), ("dsyrk", (7, 50), np.float64, np.float64)]


def test_row_blocks_accumulate(monkeypatch):
    """p = 64: blocks of 2²² / 64 = 65,536 rows; n = 65,541 rows take two blocks, summed exactly."""
    calls = _spy_syrk(monkeypatch)
    n, p = 65_541, 64
    rng = np.random.default_rng(3)
    X = (rng.random((n, p)) < 0.05).astype(np.float64)
    X[-5:] = 1.0  # the last block matters: its rows add 5 to every entry
    G = gram_matrix(X)
    assert [c[1] for c in calls] == [(p, 65_536), (p, 5)]
    exact = (X.T.astype(np.float32) @ X.astype(np.float32)).astype(np.float64)  # integers < 2²⁴: exact
    assert_array_equal(G, exact)


@pytest.mark.parametrize("sparse", [False, True])
def test_blocks_add_into_one_fortran_buffer(monkeypatch, sparse):
    """syrk adds every block into the same Fortran-ordered G: no p × p copy per block."""
    pairs = []
    real = scipy.linalg.blas.dsyrk

    def spy(alpha, a, *, c, **kw):
        out = real(alpha, a, c=c, **kw)
        pairs.append((c, out))
        return out
    monkeypatch.setattr(scipy.linalg.blas, "dsyrk", spy)
    X = np.random.default_rng(4).standard_normal((9, 4))  # real values: the float64 route
    G = gram_matrix(sp.csr_matrix(X) if sparse else X)
    assert_allclose(G, X.T @ X, rtol=1e-14, atol=1e-14)
    assert len(pairs) == 1
    c, out = pairs[0]
    assert out is c and c.flags.f_contiguous


def test_eigh_top_floor_is_relative_and_exclusive():
    """The noise floor is p·eps·λ_max: relative to the scale (a tiny G keeps its small eigenvalues),
    and an eigenvalue exactly at the floor becomes 0."""
    eps = np.finfo(float).eps
    sigma, V = _eigh_top(np.diag([1e-20, 1e-30]), 2)  # σ = (1e-10, 1e-15), both far above 2·eps·1e-20
    assert_allclose(sigma, [1e-10, 1e-15], rtol=1e-15)
    assert_allclose(np.abs(V), np.eye(2), atol=0)
    sigma, _ = _eigh_top(np.diag([1.0, 2 * eps]), 2)   # λ₂ = p·eps·λ₁ exactly: noise
    assert_array_equal(sigma, [1.0, 0.0])
    sigma, _ = _eigh_top(np.diag([1.0, 4 * eps]), 2)   # twice the floor: kept
    assert_allclose(sigma, [1.0, 2 * np.sqrt(eps)], rtol=1e-15)
    sigma, _ = _eigh_top(np.zeros((3, 3)), 2)          # G = 0: λ_max = 0, every σ is 0
    assert_array_equal(sigma, [0.0, 0.0])


@pytest.mark.parametrize("route", ["sparse", "dense"])
def test_overflowing_gram_is_a_clear_error(route):
    """Finite entries whose products overflow float64 (1e200² = inf) raise a one-line InvalidValue
    on both routes, not an OverflowError or a NaN from deep inside the eigensolver."""
    X = np.zeros((4, 3))
    X[0, 0] = 1e200
    if route == "sparse":
        X = sp.csr_matrix(X)  # one non-zero: the sparse product
    with pytest.raises(InvalidValue, match=r"^XᵀX overflows float64: .* rescale X$"):
        gram_matrix(X)
    with pytest.raises(InvalidValue, match="overflows"):
        cossim.top_singular(X, 1, method="gram")


def test_large_but_safe_entries_pass():
    """1e150² · 4 = 4e300 is finite: no error, and G holds it exactly where X has one entry."""
    X = np.zeros((4, 3))
    X[0, 0] = 1e150
    assert_allclose(gram_matrix(X)[0, 0], 1e300, rtol=1e-15)
    assert not _exact_in_float32(np.array([1e200, 1.0]), 4)


# ------------------------------------------- fast paths give the straightforward numbers exactly

def _straight_blocks(X, rows, dtype):
    """The blocks as the plain loop formed them: slice, densify in float64, cast."""
    out = []
    for start in range(0, X.shape[0], rows):
        block = X[start:start + rows]
        block = block.toarray() if sp.issparse(block) else block
        out.append(np.ascontiguousarray(block, dtype=dtype))
    return out


def _with_duplicates():
    """A CSR matrix with duplicate entries (not canonical): scipy sums them when densifying."""
    # 0.637 + 0.27 summed in float64 and then rounded to float32 differs from the sum of
    # the two float32 roundings: the order "sum, then cast" matters
    data = np.array([0.637, 0.27, 0.5, 3.0, 1.0, 1.0, 4.0])
    assert np.float32(data[0] + data[1]) != np.float32(data[0]) + np.float32(data[1])
    indices = np.array([0, 0, 2, 1, 1, 3, 0])
    indptr = np.array([0, 3, 3, 6, 7])
    X = sp.csr_matrix((data, indices, indptr), shape=(4, 5))
    assert not X.has_canonical_format
    return X


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["canonical", "duplicates", "dense"])
@pytest.mark.parametrize("rows", [1, 3, 4, 7])
def test_dense_row_blocks_equal_slice_densify_cast(dtype, kind, rows):
    rng = np.random.default_rng(11)
    if kind == "duplicates":
        X = _with_duplicates()
    else:
        X = sp.random(7, 6, density=0.5, random_state=2, format="csr")
        X.data = np.round(X.data * 7) + rng.random(X.nnz) / 3  # non-integers: casts round
        X = X if kind == "canonical" else X.toarray()
    got = [b.copy() for b in gram_module._dense_row_blocks(X, rows, dtype)]
    want = _straight_blocks(X, rows, dtype)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.flags.c_contiguous
        assert_array_equal(g, w)


def test_gram_with_duplicate_entries_sums_them():
    X = _with_duplicates()
    assert_array_equal(gram_matrix(X), X.toarray().T @ X.toarray())


@pytest.mark.parametrize("values, n, exact", [
    (np.array([0.5, 0.5]), 10, False),         # one stored value, not an integer
    (np.array([2.0, 2.0, 2.0]), 2**22 - 1, True),
    (np.array([2.0, 2.0]), 2**22, False),
    (np.array([1.0, 1.5, 1.0]), 10, False),    # mixed values: the full pass
])
def test_float32_rule_for_one_stored_value(values, n, exact):
    assert gram_module._exact_in_float32(values, n) is exact
