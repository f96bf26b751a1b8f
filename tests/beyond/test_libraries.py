"""cossim.beyond.libraries: factors and diagnostics from fitted scikit-learn and implicit models."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

import cossim
from cossim._validation import InvalidType, InvalidValue

sklearn_decomposition = pytest.importorskip("sklearn.decomposition")
implicit_als = pytest.importorskip("implicit.als")

EPS = np.finfo(np.float64).eps
K = 5


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return sp.csr_matrix((rng.random((60, 30)) < 0.3).astype(np.float64))


@pytest.fixture(scope="module")
def tsvd(X):
    return sklearn_decomposition.TruncatedSVD(K, algorithm="arpack", random_state=0).fit(X)


def _als(X, alpha=1.0, seed=0, iterations=200):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # implicit warns (and slows) if BLAS runs threads
        model = implicit_als.AlternatingLeastSquares(
            factors=K, regularization=1.0, alpha=alpha, dtype=np.float64, use_cg=False,
            iterations=iterations, num_threads=1, random_state=seed)
        model.fit(X, show_progress=False)
    return model


def _gamma_tolerance(s):
    # γ is a slope in log s: a relative error ε in the factors moves it by about ε / spread(log s)
    return 1e3 * EPS / np.ptp(np.log(s))


def test_importing_cossim_does_not_import_the_libraries():
    code = "import sys, cossim; print('sklearn' in sys.modules, 'implicit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_truncated_svd_factors_are_components_and_transform(X, tsvd):
    f = cossim.factors_from_model(tsvd, X)
    assert (f.users_from, f.items_from, f.source) == ("transform(X)", "components_.T", "TruncatedSVD")
    np.testing.assert_array_equal(f.Q, tsvd.components_.T)
    np.testing.assert_allclose(f.P, tsvd.transform(X), rtol=0, atol=0)
    # components_ are X's top right singular vectors (up to sign)
    spec = cossim.top_singular(X, K)
    scale = np.abs(f.Q).max()
    np.testing.assert_allclose(np.abs(f.Q.T @ spec.V), np.eye(K), atol=1e3 * EPS * K * scale)


def test_truncated_svd_is_gamma_zero(X, tsvd):
    f = cossim.factors_from_model(tsvd, X)
    fit = cossim.split_exponent(f.P, f.Q)
    assert abs(fit.gamma) < _gamma_tolerance(fit.singular_values)
    assert abs(fit.scale - 1.0) < 1e3 * EPS and fit.residual < 1e3 * EPS
    report = cossim.diagnose_model(tsvd, X, n_neighbours=5)
    assert report.best_gamma_for_given == 0.0 and report.overlap_with_given[0] == 1.0


@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.5, 1.0])
def test_split_exponent_recovers_a_known_split_under_rotation_and_scale(X, tsvd, gamma):
    f = cossim.factors_from_model(tsvd, X)
    svd = cossim.score_svd(f.P, f.Q)
    R, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(K, K)))
    Q = 7.0 * (svd.V * svd.s**gamma) @ R
    P = (svd.U * svd.s ** (1 - gamma)) @ R / 7.0
    fit = cossim.split_exponent(P, Q)
    assert abs(fit.gamma - gamma) < _gamma_tolerance(svd.s)
    assert abs(fit.scale / 7.0 - 1.0) < 1e4 * EPS and fit.residual < 1e3 * EPS


def test_split_exponent_flags_factors_outside_the_family(X, tsvd):
    f = cossim.factors_from_model(tsvd, X)
    Q = f.Q @ np.diag([1.0, 2.0, 3.0, 4.0, 5.0])  # not a power of the scores' spectrum
    assert cossim.split_exponent(f.P, Q).residual > 0.05


def test_pca_whiten_keeps_the_reconstruction(X):
    pca = sklearn_decomposition.PCA(K, whiten=True, svd_solver="covariance_eigh").fit(X)
    f = cossim.factors_from_model(pca, X)
    recon = pca.inverse_transform(pca.transform(X)) - pca.mean_
    np.testing.assert_allclose(f.P @ f.Q.T, recon, atol=1e3 * EPS * np.abs(recon).max())
    assert abs(cossim.split_exponent(f.P, f.Q).gamma) < 1e-10


def test_als_with_unit_confidence_is_balanced_and_matches_eq2(X):
    model = _als(X)
    f = cossim.factors_from_model(model, X)
    assert (f.users_from, f.items_from) == ("user_factors", "item_factors")
    # at any stationary point of loss + λ(‖P‖² + ‖Q‖²): PᵀP = QᵀQ, i.e. γ = ½
    PtP, QtQ = f.P.T @ f.P, f.Q.T @ f.Q
    assert np.linalg.norm(PtP - QtQ) < 1e-6 * np.linalg.norm(PtP)
    assert abs(cossim.split_exponent(f.P, f.Q).gamma - 0.5) < 1e-6
    # with confidence 1 on binary data the loss is Eq. (2)'s ‖X − PQᵀ‖²: same scores as Eq. (6)
    eq2 = cossim.fit_eq2(X, K, 1.0)
    S_eq2 = np.asarray(X @ eq2.A) @ eq2.B.T
    S_als = f.P @ f.Q.T
    assert np.linalg.norm(S_als - S_eq2) < 1e-6 * np.linalg.norm(S_eq2)


def test_als_confidence_weighting_changes_the_scores_not_the_split(X):
    # the balance PᵀP = QᵀQ holds only at convergence, which is slow with confidence 40:
    # after the usual 15 sweeps the split is still far from ½, after 4000 it is exact
    early = cossim.factors_from_model(_als(X, alpha=40.0, iterations=15))
    assert abs(cossim.split_exponent(early.P, early.Q).gamma - 0.5) > 0.1
    f = cossim.factors_from_model(_als(X, alpha=40.0, iterations=4000))
    assert abs(cossim.split_exponent(f.P, f.Q).gamma - 0.5) < 1e-6
    eq2 = cossim.fit_eq2(X, K, 1.0)
    S_eq2 = np.asarray(X @ eq2.A) @ eq2.B.T
    assert np.linalg.norm(f.P @ f.Q.T - S_eq2) > 0.1 * np.linalg.norm(S_eq2)


def test_arrays_pass_through(X, tsvd):
    f = cossim.factors_from_model(tsvd, X)
    g = cossim.factors_from_model((f.P, f.Q))
    assert g.source == "arrays"
    np.testing.assert_array_equal(g.Q, f.Q)
    r1 = cossim.diagnose_model((f.P, f.Q), n_neighbours=5)
    r2 = cossim.diagnose(f.P, f.Q, n_neighbours=5)
    assert r1.to_dict() == r2.to_dict()


# ----------------------------------------------------------------- bad input

def _one_line(exc_info, *words):
    msg = str(exc_info.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, (w, msg)


def test_unfitted_sklearn_model(X):
    with pytest.raises(InvalidValue) as e:
        cossim.diagnose_model(sklearn_decomposition.TruncatedSVD(K), X)
    _one_line(e, "not fitted", "TruncatedSVD")


def test_unfitted_implicit_model():
    with pytest.raises(InvalidValue) as e:
        cossim.factors_from_model(implicit_als.AlternatingLeastSquares(factors=K))
    _one_line(e, "not fitted")


def test_sklearn_model_needs_x(tsvd):
    with pytest.raises(InvalidValue) as e:
        cossim.factors_from_model(tsvd)
    _one_line(e, "X is required", "transform")


def test_item_count_mismatch(X, tsvd):
    with pytest.raises(InvalidValue) as e:
        cossim.factors_from_model(tsvd, X[:, :20])
    _one_line(e, "20 items", "30")
    model = _als(X, iterations=2)
    with pytest.raises(InvalidValue) as e:
        cossim.factors_from_model(model, X[:, :20])
    _one_line(e, "shape", "30 items")


def test_mismatched_ranks():
    with pytest.raises(InvalidValue) as e:
        cossim.diagnose_model((np.ones((6, 3)), np.ones((4, 2))))
    _one_line(e, "mismatched ranks", "k=3", "k=2")
    with pytest.raises(InvalidValue) as e:
        cossim.split_exponent(np.ones((6, 3)), np.ones((4, 2)))
    _one_line(e, "mismatched ranks")


def test_unsupported_objects():
    for obj in (object(), "P", 3.0, sklearn_decomposition.NMF(2)):
        with pytest.raises(InvalidType) as e:
            cossim.factors_from_model(obj)
        _one_line(e, "unsupported model")
    with pytest.raises(InvalidValue) as e:
        cossim.factors_from_model((np.ones((3, 2)),))
    _one_line(e, "pair")
