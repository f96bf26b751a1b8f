"""cossim.linalg.spectrum: exact top-k singular values / vectors for dense and sparse X."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import cossim
from cossim._validation import InvalidValue


def random_data(seed, n=60, p=15, density=0.3):
    rng = np.random.default_rng(seed)
    return (rng.random((n, p)) < density) * rng.uniform(0.5, 2.0, (n, p))


@pytest.mark.parametrize("method", ["gram", "svd", "iterative", "auto"])
def test_matches_lapack_svd(method):
    X = random_data(0)
    k = 6
    spec = cossim.top_singular(X, k, method=method)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    assert_allclose(spec.sigma, s[:k], rtol=1e-10)
    # same subspace, same orientation up to the sign convention
    assert_allclose(np.abs(spec.V.T @ Vt[:k].T), np.eye(k), atol=1e-8)


def test_sparse_equals_dense():
    X = random_data(1, density=0.1)
    dense = cossim.top_singular(X, 5)
    sparse = cossim.top_singular(sp.csr_matrix(X), 5)
    assert_allclose(sparse.sigma, dense.sigma, rtol=1e-12)
    assert_allclose(sparse.V, dense.V, atol=1e-10)


def test_sign_convention_is_deterministic_and_documented():
    X = random_data(2)
    spec = cossim.top_singular(X, 4)
    flipped = cossim.top_singular(-X, 4)  # same V up to sign per column
    assert_allclose(spec.V, flipped.V, atol=1e-10)
    idx = np.argmax(np.abs(spec.V), axis=0)
    assert np.all(spec.V[idx, np.arange(4)] > 0)


def test_descending_and_orthonormal():
    spec = cossim.top_singular(random_data(3), 15)
    assert np.all(np.diff(spec.sigma) <= 0)
    assert_allclose(spec.V.T @ spec.V, np.eye(15), atol=1e-10)


def test_rank_deficient_gives_exact_zeros():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 3)) @ rng.standard_normal((3, 10))
    for method in ("gram", "svd"):
        spec = cossim.top_singular(X, 10, method=method)
        assert np.all(spec.sigma[3:] == 0.0), method
        assert np.all(spec.sigma[:3] > 0)
        assert_allclose(spec.V.T @ spec.V, np.eye(10), atol=1e-8)


def test_default_rank_is_p():
    spec = cossim.top_singular(random_data(5, p=7))
    assert spec.sigma.shape == (7,) and spec.V.shape == (7, 7)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 25), p=st.integers(1, 12), seed=st.integers(0, 10_000),
    data=st.data(),
)
def test_property_gram_matches_svd(n, p, seed, data):
    """Random shapes, including n < p and n = 1: Gram path equals LAPACK."""
    k = data.draw(st.integers(1, p))
    X = np.random.default_rng(seed).standard_normal((n, p))
    gram = cossim.top_singular(X, k, method="gram")
    ref = cossim.top_singular(X, k, method="svd")
    scale = max(ref.sigma[0], 1.0)
    assert_allclose(gram.sigma, ref.sigma, atol=1e-6 * scale)
    # projector onto the span of well-separated leading vectors agrees
    s = ref.sigma
    gap_ok = [i for i in range(k) if s[i] > 1e-3 * scale
              and (i == 0 or s[i - 1] - s[i] > 1e-3 * scale)
              and (i + 1 >= len(s) or s[i] - s[i + 1] > 1e-3 * scale)]
    for i in gap_ok:
        assert_allclose(np.abs(gram.V[:, i] @ ref.V[:, i]), 1.0, atol=1e-6)


@pytest.mark.parametrize("bad, exc, word", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, "NaN"),
    (np.array([[1.0, np.inf], [0.0, 1.0]]), ValueError, "NaN or inf"),
    (np.ones(3), ValueError, "2-D"),
    (np.ones((0, 3)), ValueError, "empty"),
    (np.ones((2, 2), dtype=complex), TypeError, "complex"),
    (np.array([[object()]]), TypeError, "object"),
    ("abc", TypeError, "X"),
])
def test_bad_input_is_named(bad, exc, word):
    with pytest.raises(exc, match=word):
        cossim.top_singular(bad, 1)


@pytest.mark.parametrize("k", [0, -1, 4])
def test_rank_out_of_range(k):
    with pytest.raises(ValueError, match="k must satisfy"):
        cossim.top_singular(np.ones((3, 3)), k)


def test_rank_wrong_type_and_method():
    with pytest.raises(TypeError, match="k must be an integer"):
        cossim.top_singular(np.ones((3, 3)), 1.5)
    with pytest.raises(ValueError, match="method"):
        cossim.top_singular(np.ones((3, 3)), 1, method="magic")


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def test_column_signs_by_hand():
    """Largest |entry| positive; ties within 1e-12 relative (inclusive) go to the first; 0 → +1."""
    from cossim.linalg.spectrum import column_signs

    edge = -(1.0 * (1 - 1e-12))  # |edge| = top·(1 − 1e-12) exactly: a tie with the 1.0 below
    V = np.array([[edge, -(1 - 2e-12), 0.0, 3.0, -3.0],
                  [1.0, 1.0, 0.0, -2.0, 3.0]])
    got = column_signs(V)
    assert got.dtype == np.float64
    assert_allclose(got, [-1.0, 1.0, 1.0, 1.0, -1.0], rtol=0, atol=0)
    assert_allclose(column_signs(np.array([[0, -2], [1, 2]])), [1.0, -1.0], rtol=0, atol=0)  # int input
    assert column_signs(np.array([[0, -2], [1, 2]])).dtype == np.float64
    assert_allclose(column_signs(np.zeros((0, 3))), np.ones(3), rtol=0, atol=0)  # no rows
    assert column_signs(np.zeros(0)).shape == (0,)


def test_orient_columns_returns_a_float_copy():
    V = np.array([[-2]])  # 1 × 1, integer
    out = cossim.orient_columns(V)
    assert out.dtype == np.float64 and out[0, 0] == 2.0 and V[0, 0] == -2
    empty = np.zeros((0, 2))
    assert cossim.orient_columns(empty) is not empty
    W = np.array([[0.6, -0.8], [-0.8, -0.6]])
    assert_allclose(cossim.orient_columns(W), [[-0.6, 0.8], [0.8, 0.6]], rtol=0, atol=0)


def _with_unused(seed, n=30, p=6, scale=0.01, col=2):
    """Small random X (σ < 1) with one all-zero column: eigensolvers leave ~1e-16 noise there."""
    X = np.random.default_rng(seed).random((n, p)) * scale
    X[:, col] = 0.0
    return X


@pytest.mark.parametrize("method", ["gram", "svd"])
@pytest.mark.parametrize("sparse", [False, True])
def test_unused_item_has_exactly_zero_rows_where_sigma_is_positive(method, sparse):
    for seed, col in ((0, 2), (1, 5), (2, 0)):  # the last column too (sparse bincount length)
        X = _with_unused(seed, col=col)
        spec = cossim.top_singular(sp.csr_matrix(X) if sparse else X, 4, method=method)
        assert np.all(spec.sigma > 0) and np.all(spec.sigma < 1)
        assert np.all(spec.V[col] == 0.0)
        others = np.delete(np.arange(6), col)
        assert np.all(np.abs(spec.V[others]).sum(axis=0) > 0.5)


def test_unused_item_keeps_its_null_space_component():
    """X = [[1, 0, 0], [0, 2, 0]]: σ = (2, 1, 0), V = (e₂, e₁, e₃); item 3 is unused, and the σ = 0
    component (its own axis) is left alone."""
    X = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    for Xin in (X, sp.csr_matrix(X)):
        spec = cossim.top_singular(Xin, 3, method="gram")
        assert_allclose(spec.sigma, [2.0, 1.0, 0.0], rtol=1e-15, atol=0)
        assert_allclose(spec.V, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], rtol=0, atol=1e-15)


def test_unused_columns_rules():
    """Stored zeros of a sparse X do not count as use; 0/1 data is used where it is 1."""
    from cossim.linalg.spectrum import _unused_columns

    X = sp.csr_matrix((np.array([1.0, 0.0, 1.0, 1.0]), np.array([0, 1, 0, 2]), np.array([0, 2, 4])), shape=(2, 4))
    assert list(_unused_columns(X)) == [False, True, False, True]
    assert list(_unused_columns(X.toarray())) == [False, True, False, True]
    D = np.array([[1.0, 0.0, 2.0], [1.0, 0.0, 0.0]])
    assert list(_unused_columns(D)) == [False, True, False]
    assert list(_unused_columns(sp.csr_matrix(D))) == [False, True, False]


@pytest.mark.parametrize("step", [1, 2, 3, 7, 1000])
def test_unused_columns_in_slices_equal_the_whole_scan(monkeypatch, step):
    """The sparse scan goes over the stored entries in slices; any slice length gives the same mask,
    including slices that split a row and stored zeros at a slice's edge."""
    from cossim.linalg import spectrum

    rng = np.random.default_rng(7)
    D = (rng.random((30, 40)) < 0.05) * rng.integers(0, 3, (30, 40))  # some stored entries are 0
    X = sp.csr_matrix((D != 0) | (rng.random(D.shape) < 0.02), dtype=float)
    X.data[:] = D[X.nonzero()]  # pattern wider than the non-zeros: stored zeros
    expected = ~np.any(D != 0, axis=0)
    assert expected.any() and (X.data == 0).any()
    monkeypatch.setattr(spectrum, "_UNUSED_SLICE", step)
    assert_allclose(spectrum._unused_columns(X), expected)


@pytest.mark.parametrize("tol, ok", [(0, True), (0.0, True), (0.5, True), (1 - 1e-16, True), (1, False),
                                     (1.0, False), (-1e-300, False), (2, False)])
def test_tol_bounds(tol, ok):
    X = random_data(6)
    if ok:
        assert_allclose(cossim.top_singular(X, 2, tol=tol).sigma, np.linalg.svd(X, compute_uv=False)[:2],
                        rtol=1e-10)
    else:
        with pytest.raises(ValueError, match=r"tol must satisfy 0 <= tol < 1"):
            cossim.top_singular(X, 2, tol=tol)


def test_tol_must_be_real():
    with pytest.raises(TypeError, match="tol must be a real number"):
        cossim.top_singular(random_data(6), 2, tol="small")


@pytest.mark.parametrize("p, k, want", [
    (4000, 1, "gram"), (4001, 1, "iterative"),        # GRAM_MAX_ITEMS is inclusive
    (4001, 1067, "iterative"), (4001, 1068, "gram"),  # 3·(k + k//4) < p: 3999 < 4001, 4005 ≥ 4001
    (10_000, 50, "iterative"), (10_000, 9_000, "gram"),
])
def test_auto_method_rule(p, k, want):
    from cossim.linalg.spectrum import GRAM_MAX_ITEMS, auto_method

    assert GRAM_MAX_ITEMS == 4000
    assert auto_method(p, k) == want


def _spy_routes(monkeypatch):
    """Replace each route by a recorder that still computes the answer."""
    from cossim.linalg import spectrum

    calls = []

    def wrap(name):
        real = getattr(spectrum, name)

        def spy(*args):
            calls.append((name, args[1:]))
            return real(*args)
        monkeypatch.setattr(spectrum, name, spy)

    for name in ("_eigh_top", "_by_dense_svd", "_by_arpack", "_block_krylov", "_randomized", "_dask_spectrum"):
        wrap(name)
    return calls


def _gapped(n=300, p=60, seed=0):
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, p)))
    V, _ = np.linalg.qr(rng.standard_normal((p, p)))
    s = np.concatenate([40.0 - 5.0 * np.arange(4), 0.5 * rng.random(p - 4)])
    return (U * s) @ V.T, np.sort(s)[::-1]


@pytest.mark.parametrize("method, tol, route, extra", [
    ("gram", None, "_eigh_top", (3,)),
    ("auto", None, "_eigh_top", (3,)),
    ("svd", None, "_by_dense_svd", (3,)),
    ("arpack", None, "_by_arpack", (3, 0.0)),
    ("arpack", 1e-9, "_by_arpack", (3, 1e-9)),
    ("iterative", None, "_block_krylov", (60, 3, 1e-7)),
    ("iterative", 1e-9, "_block_krylov", (60, 3, 1e-9)),
    ("randomized", None, "_randomized", (60, 3)),
])
def test_method_routes_and_tolerances(monkeypatch, method, tol, route, extra):
    """p = 60, k = 3: a Krylov basis of 3·13 = 39 < 60 vectors fits, so every method runs as named;
    "auto" takes "gram" (p <= 4000); tol defaults to 1e-7 (iterative) and 0 (ARPACK)."""
    X, s = _gapped()
    calls = _spy_routes(monkeypatch)
    spec = cossim.top_singular(X, 3, method=method, tol=tol)
    assert [c[0] for c in calls] == [route]
    assert calls[0][1] == extra
    assert_allclose(spec.sigma, s[:3], rtol=1e-8)
    _, _, Vt = np.linalg.svd(X)
    assert_allclose(np.abs(spec.V.T @ Vt[:3].T), np.eye(3), atol=1e-6)
    assert spec.sigma.flags.c_contiguous


@pytest.mark.parametrize("method", ["iterative", "randomized"])
def test_small_problems_take_the_gram_route(monkeypatch, method):
    """p = 15, k = 6: 3·(6 + 10) = 48 >= 15, so a Krylov basis does not fit and XᵀX is used."""
    calls = _spy_routes(monkeypatch)
    cossim.top_singular(random_data(0), 6, method=method)
    assert [c[0] for c in calls] == ["_eigh_top"]


def test_dask_input_takes_the_dask_route_with_the_same_rules(monkeypatch):
    """A dask array (synchronous scheduler, no cluster): k defaults to p, "auto" → "gram", tol
    defaults to 1e-7, ARPACK is refused; the answer equals the in-memory one, and the unused
    item gets exact zeros."""
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    X = _with_unused(3, n=40, col=2)  # the Gram route leaves ~1e-16 on item 2 before zeroing
    Xd = da.from_array(X, chunks=(10, 3))
    calls = _spy_routes(monkeypatch)
    with dask.config.set(scheduler="synchronous"):
        spec = cossim.top_singular(Xd, 3)
        full = cossim.top_singular(Xd)
        cossim.top_singular(Xd, 2, method="svd", tol=1e-9)
        with pytest.raises(ValueError, match="k must satisfy 1 <= k <= 6"):
            cossim.top_singular(Xd, 7)
        with pytest.raises(ValueError, match="method='arpack' works on in-memory X only"):
            cossim.top_singular(Xd, 2, method="arpack")
    assert [c for c in calls if c[0] == "_dask_spectrum"] == [
        ("_dask_spectrum", (3, "gram", 1e-7)), ("_dask_spectrum", (6, "gram", 1e-7)),
        ("_dask_spectrum", (2, "svd", 1e-9))]
    ref = cossim.top_singular(X, 3)
    assert_allclose(spec.sigma, ref.sigma, rtol=1e-12)
    assert_allclose(spec.V, ref.V, rtol=0, atol=1e-10)
    assert np.all(spec.V[2] == 0.0) and spec.sigma.flags.c_contiguous
    assert full.sigma.shape == (6,) and full.V.shape == (6, 6)
    idx = np.argmax(np.abs(spec.V), axis=0)
    assert np.all(spec.V[idx, np.arange(3)] > 0)


def test_auto_above_gram_max_items_takes_the_iterative_route(monkeypatch):
    """p = 4,001 > GRAM_MAX_ITEMS and k = 1 (a Krylov basis of 33 vectors): "auto" is "iterative",
    in memory and for a dask array; σ₁ agrees with LAPACK to the default tol."""
    X = np.random.default_rng(13).standard_normal((3, 4001))
    s1 = np.linalg.svd(X, compute_uv=False)[0]
    calls = _spy_routes(monkeypatch)
    assert_allclose(cossim.top_singular(X, 1).sigma, [s1], rtol=1e-7)
    assert [c[0] for c in calls] == ["_block_krylov"]
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    with dask.config.set(scheduler="synchronous"):
        spec = cossim.top_singular(da.from_array(X, chunks=(3, 4001)), 1)
    assert calls[-1] == ("_dask_spectrum", (1, "iterative", 1e-7))
    assert_allclose(spec.sigma, [s1], rtol=1e-7)


def test_orient_columns_returns_a_float64_copy_also_when_empty():
    from cossim.linalg.spectrum import orient_columns

    for V in (np.zeros((3, 0), dtype=np.int64), np.array([[1, -2], [0, 1]], dtype=np.int64)):
        out = orient_columns(V)
        assert out.dtype == np.float64 and out is not V and out.shape == V.shape
    V = np.zeros((2, 0))
    assert orient_columns(V) is not V
    np.testing.assert_array_equal(orient_columns(np.array([[1, -2], [0, 1]])), [[1.0, 2.0], [0.0, -1.0]])


@pytest.mark.parametrize("case", ["binary", "negative", "stored_zero", "mixed_signs", "tiny", "dense"])
def test_unused_columns_read_off_the_gram_diagonal_exactly(case):
    """diag XᵀX finds the all-zero columns only when no square can underflow; else the scan."""
    from cossim.linalg.gram import _gram
    from cossim.linalg.spectrum import _unused_columns

    X = sp.random(40, 12, density=0.2, random_state=7, format="csr")
    X.data[:] = 1.0
    X = X[:, [0, 1, 2, 3, 4, 5]]
    X = sp.hstack([X, sp.csr_matrix((40, 3)), X[:, :3]], format="csr")  # three empty columns
    if case == "negative":
        X.data *= -2.5
    elif case == "stored_zero":
        X.data[0] = 0.0  # its column may be empty apart from this stored zero
    elif case == "mixed_signs":
        X.data[::2] *= -1
    elif case == "tiny":
        X.data[:] = 1e-200  # squares underflow to 0: diag G says nothing
    elif case == "dense":
        X = X.toarray()
    G = _gram(X)
    want = _unused_columns(X)
    assert_array_equal(_unused_columns(X, G), want)
    assert want[6:9].all()


@pytest.mark.parametrize("k", [3, None])
def test_top_singular_with_a_given_gram_is_bit_identical(k):
    rng = np.random.default_rng(5)
    X = rng.poisson(0.5, (200, 40)).astype(float)
    X[:, 7] = 0.0  # an unused item: V is zeroed there either way
    G = cossim.gram_matrix(X)
    a, b = cossim.top_singular(X, k), cossim.top_singular(X, k, gram=G)
    assert np.array_equal(a.sigma, b.sigma) and np.array_equal(a.V, b.V)
    assert np.array_equal(G, cossim.gram_matrix(X))  # the caller's G is not modified


def test_top_singular_gram_is_checked():
    X = np.random.default_rng(0).standard_normal((20, 6))
    with pytest.raises(InvalidValue):
        cossim.top_singular(X, 2, gram=np.eye(5))


@pytest.mark.parametrize("sparse", [False, True])
def test_a_gram_of_another_x_is_rejected(sparse):
    import scipy.sparse as sp

    rng = np.random.default_rng(6)
    X = rng.poisson(0.5, (300, 30)).astype(float)
    Xs = sp.csr_matrix(X) if sparse else X
    G = cossim.gram_matrix(X)
    cossim.top_singular(Xs, 4, gram=G)  # its own XᵀX passes, sparse or dense
    other = rng.poisson(0.5, (300, 30)).astype(float)
    for wrong in (cossim.gram_matrix(other), 1.01 * G, cossim.gram_matrix(X[:-1])):
        with pytest.raises(InvalidValue, match="gram is not XᵀX of this X"):
            cossim.top_singular(Xs, 4, gram=wrong)
