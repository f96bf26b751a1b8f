"""Every public array-taking function of cossim rejects bad input with a one-line
ValueError/TypeError that names the argument (issue: reliability).

Each entry of CALLS gives a valid call; the test then spoils one argument at a
time: NaN, inf, wrong dimensionality, empty, complex and object dtypes for
arrays; negative, NaN and inf for λ; out-of-range ranks; labels of the wrong
length. The valid call itself must succeed, so every failure is about the defect.
"""

import numpy as np
import pytest
import scipy.sparse as sp

import cossim

RNG = np.random.default_rng(0)
N, P, K = 12, 6, 3
X = (RNG.random((N, P)) < 0.5).astype(float)
X[0, :] = 1.0
A = RNG.standard_normal((P, K))
B = RNG.standard_normal((P, K))
G = X.T @ X
SPEC = cossim.top_singular(X, K)
LABELS = np.arange(P) % 2
S = cossim.cosine_similarity(B)
GENRES = np.eye(P, 3, dtype=bool) | np.eye(P, 3, k=-3, dtype=bool)  # pairs that share a genre and pairs that do not
NN = cossim.top_k_neighbours(B, 2)
C = cossim.cooccurrence(G)
Q = cossim.negative_distribution(X, 0.75)
EIG = cossim.eigen_gram(G)
X_TRAIN, X_TEST = cossim.holdout_split(X, 0.3)
PAIRS = cossim.genre_pairs(GENRES)

# name -> (function, kwargs of a valid call, matrix args, lambda args, rank args, label args)
CALLS = {
    "top_singular": (cossim.top_singular, dict(X=X, k=K), ["X"], [], ["k"], []),
    "fit_eq1": (cossim.fit_eq1, dict(X=X, k=K, lam=1.0), ["X"], ["lam"], ["k"], []),
    "fit_eq2": (cossim.fit_eq2, dict(X=X, k=K, lam=1.0), ["X"], ["lam"], ["k"], []),
    "eq1_factors": (cossim.eq1_factors, dict(spectrum=SPEC, lam=1.0), [], ["lam"], [], []),
    "eq2_factors": (cossim.eq2_factors, dict(spectrum=SPEC, lam=1.0), [], ["lam"], [], []),
    "rescale": (cossim.rescale, dict(A=A, B=B, d=np.ones(K)), ["A", "B"], [], [], []),
    "user_embeddings": (cossim.user_embeddings, dict(X=X, A=A), ["X", "A"], [], [], []),
    "objective_eq1": (cossim.objective_eq1, dict(X=X, A=A, B=B, lam=1.0), ["X", "A", "B"], ["lam"], [], []),
    "objective_eq2": (cossim.objective_eq2, dict(X=X, A=A, B=B, lam=1.0), ["X", "A", "B"], ["lam"], [], []),
    "gradient_eq1": (cossim.gradient_eq1, dict(X=X, A=A, B=B, lam=1.0), ["X", "A", "B"], ["lam"], [], []),
    "gradient_eq2": (cossim.gradient_eq2, dict(X=X, A=A, B=B, lam=1.0), ["X", "A", "B"], ["lam"], [], []),
    "row_norms": (cossim.row_norms, dict(E=B), ["E"], [], [], []),
    "row_normalize": (cossim.row_normalize, dict(E=B), ["E"], [], [], []),
    "cosine_similarity": (cossim.cosine_similarity, dict(E=B, F=A), ["E", "F"], [], [], []),
    "item_item_cosine": (cossim.item_item_cosine, dict(B=B), ["B"], [], [], []),
    "user_user_cosine": (cossim.user_user_cosine, dict(X=X, A=A), ["X", "A"], [], [], []),
    "user_item_cosine": (cossim.user_item_cosine, dict(X=X, A=A, B=B), ["X", "A", "B"], [], [], []),
    "top_k_neighbours": (cossim.top_k_neighbours, dict(E=B, n_neighbours=2), ["E"], [], [], []),
    "cluster_auc": (cossim.cluster_auc, dict(S=S, labels=LABELS), ["S"], [], [], ["labels"]),
    "neighbour_purity": (cossim.neighbour_purity, dict(S=S, labels=LABELS, n_neighbours=2), ["S"], [], [], ["labels"]),
    "recovery_scores": (cossim.recovery_scores, dict(S=S, labels=LABELS, n_neighbours=2), ["S"], [], [], ["labels"]),
    "eq4_item_item": (cossim.eq4_item_item, dict(B=B, d=np.ones(K)), ["B"], [], [], []),
    "eq4_user_user": (cossim.eq4_user_user, dict(X=X, A=A, d=np.ones(K)), ["X", "A"], [], [], []),
    "eq4_user_item": (cossim.eq4_user_item, dict(X=X, A=A, B=B, d=np.ones(K)), ["X", "A", "B"], [], [], []),
    "weighted_penalty": (cossim.weighted_penalty, dict(W=A @ B.T, weights=np.ones(P)), ["W"], [], [], []),
    "fit_weighted_full_rank": (cossim.fit_weighted_full_rank, dict(X=X, weights=np.ones(P)), ["X"], [], [], []),
    "eq1_optimal_value": (cossim.eq1_optimal_value, dict(X=X, sigma=SPEC.sigma, lam=1.0), ["X"], ["lam"], [], []),
    "eq1_value_on_subspace": (cossim.eq1_value_on_subspace, dict(X=X, Q=SPEC.V, lam=1.0), ["X", "Q"], ["lam"], [], []),
    "gram_matrix": (cossim.gram_matrix, dict(X=X), ["X"], [], [], []),
    "gradient_descent": (cossim.gradient_descent, dict(X=X, k=K, lam=1.0, n_steps=3), ["X"], ["lam"], ["k"], []),
    "minimize_eq1": (cossim.minimize_eq1, dict(X=X, k=K, lam=1.0, maxiter=3), ["X"], ["lam"], ["k"], []),
    "minimize_eq2": (cossim.minimize_eq2, dict(X=X, k=K, lam=1.0, maxiter=3), ["X"], ["lam"], ["k"], []),
    "genre_auc": (cossim.genre_auc, dict(S=S, genres=GENRES), ["S"], [], [], []),
    "diagnose": (cossim.diagnose, dict(P=X @ A, Q=B, n_neighbours=2, n_pairs=2), ["P", "Q"], [], [], []),
    "score_svd": (cossim.score_svd, dict(P=X @ A, Q=B), ["P", "Q"], [], [], []),
    "run_figure1": (cossim.run_figure1, dict(X=X, labels=LABELS, rank=K, n_neighbours=2),
                    ["X"], ["lam1", "lam2"], ["rank"], ["labels"]),
    "objective_cosine": (cossim.objective_cosine, dict(G=G, A=A, B=B, scale=1.0, lam=1.0),
                         ["G", "A", "B"], ["lam"], [], []),
    "objective_eq1_gram": (cossim.objective_eq1_gram, dict(G=G, A=A, B=B, lam=1.0), ["G", "A", "B"], ["lam"], [], []),
    "objective_eq2_gram": (cossim.objective_eq2_gram, dict(G=G, A=A, B=B, lam=1.0), ["G", "A", "B"], ["lam"], [], []),
    "projected_user_embeddings": (cossim.projected_user_embeddings, dict(X=X, A=A, B=B), ["X", "A", "B"], [], [], []),
    "projected_user_cosine": (cossim.projected_user_cosine, dict(X=X, A=A, B=B), ["X", "A", "B"], [], [], []),
    "projected_item_cosine": (cossim.projected_item_cosine, dict(A=A, B=B), ["A", "B"], [], [], []),
    "standardized_gram": (cossim.standardized_gram, dict(X=X), ["X"], [], [], []),
    "propensity_weights": (cossim.propensity_weights, dict(X=X), ["X"], [], [], []),
    "weighted_gram": (cossim.weighted_gram, dict(X=X, w=np.ones(P)), ["X"], [], [], []),
    "spectrum_from_gram": (cossim.spectrum_from_gram, dict(G=G, k=K), ["G"], [], ["k"], []),
    # remedies during training (Section 3.2) and the discussion (Section 4.2)
    "objective_unit_items": (cossim.objective_unit_items, dict(G=G, A=A, B=B, lam=1.0),
                             ["G", "A", "B"], ["lam"], [], []),
    "unit_item_best_a": (cossim.unit_item_best_a, dict(G=G, B=B, lam=1.0), ["G", "B"], ["lam"], [], []),
    "fit_unit_items": (cossim.fit_unit_items, dict(G=G, lam=1.0, init=B, max_iter=2), ["G", "init"], ["lam"],
                       [], []),
    "fit_two_tower": (cossim.fit_two_tower, dict(X=X, k=K, max_iter=2), ["X"], [], ["k"], []),
    "activity_weights": (cossim.activity_weights, dict(X=X), ["X"], [], [], []),
    "debiased_gram": (cossim.debiased_gram, dict(X=X, user_power=1.0, item_power=1.0), ["X"], [], [], []),
    "negative_distribution": (cossim.negative_distribution, dict(X=X, beta=0.75), ["X"], [], [], []),
    "cooccurrence": (cossim.cooccurrence, dict(G=G), ["G"], [], [], []),
    "sgns_objective": (cossim.sgns_objective, dict(C=C, q=Q, A=A, B=B, lam=1.0), ["C", "A", "B"], ["lam"], [], []),
    "sgns_gradient": (cossim.sgns_gradient, dict(C=C, q=Q, A=A, B=B, lam=1.0), ["C", "A", "B"], ["lam"], [], []),
    "fit_sgns": (cossim.fit_sgns, dict(C=C, q=Q, k=K, max_iter=2), ["C"], ["lam"], ["k"], []),
    "popularity_bias": (cossim.popularity_bias, dict(S=S, popularity=np.arange(1.0, P + 1), n_neighbours=2),
                        ["S"], [], [], []),
    "eigen_gram": (cossim.eigen_gram, dict(G=G), ["G"], [], [], []),
    "fit_deep_linear": (cossim.fit_deep_linear, dict(eig=EIG, k=K, lam=1.0, max_iter=2), [], ["lam"], ["k"], []),
    "holdout_split": (cossim.holdout_split, dict(X=X, share=0.3), ["X"], [], [], []),
    "item_similarity": (cossim.item_similarity, dict(B=B), ["B"], [], [], []),
    # Chapter 7: genre yardsticks, baselines, the bootstrap over users
    "genre_pairs": (cossim.genre_pairs, dict(genres=GENRES), ["genres"], [], [], []),
    "yardstick_auc": (cossim.yardstick_auc, dict(S=S, pairs=PAIRS, count_matched=True), ["S"], [], [], []),
    "count_similarity": (cossim.count_similarity, dict(genres=GENRES), ["genres"], [], [], []),
    "raw_item_cosine": (cossim.raw_item_cosine, dict(X=X), ["X"], [], [], []),
    "expected_genre_jaccard_at_k": (cossim.expected_genre_jaccard_at_k, dict(S=S, genres=GENRES, n_neighbours=2),
                                    ["S", "genres"], [], [], []),
    "user_bootstrap": (cossim.user_bootstrap, dict(X=X, pairs=PAIRS, k=2, lam1=1.0, lam2=0.1, n_boot=2,
                                                   n_neighbours=2), ["X"], [], [], []),
    "relative_residual": (cossim.relative_residual, dict(X=X, f=(A, B)), ["X"], [], [], []),
    "relative_prediction_gap": (cossim.relative_prediction_gap, dict(X=X, fa=(A, B), fb=(B, A)), ["X"], [], [], []),
    "recall_at_k": (cossim.recall_at_k, dict(X_train=X_TRAIN, X_test=X_TEST, U=X_TRAIN @ A, B=B, n=2),
                    ["X_train", "X_test", "U", "B"], [], [], []),
}


def spoil_matrix(value):
    M = np.array(value.toarray() if sp.issparse(value) else value, dtype=float)
    nan, inf = M.copy(), M.copy()
    nan.flat[0] = np.nan
    inf.flat[-1] = np.inf
    return {
        "NaN": nan, "inf": inf, "1-D": M[0], "3-D": M[None], "empty": M[:0],
        "complex": M.astype(complex), "object": M.astype(object),
    }


def cases():
    for name, (_, kwargs, mats, lams, ranks, labels) in CALLS.items():
        for arg in mats:
            for label in spoil_matrix(kwargs[arg]):
                yield pytest.param(name, arg, ("matrix", label), id=f"{name}-{arg}-{label}")
        for arg in lams:
            for bad in (-1.0, np.nan, np.inf):
                yield pytest.param(name, arg, ("value", bad), id=f"{name}-{arg}={bad}")
        for arg in ranks:
            for bad in (0, P + 1):
                yield pytest.param(name, arg, ("value", bad), id=f"{name}-{arg}={bad}")
        for arg in labels:
            yield pytest.param(name, arg, ("value", LABELS[:-1]), id=f"{name}-{arg}-short")


@pytest.mark.parametrize("name", sorted(CALLS))
def test_valid_call_succeeds(name):
    func, kwargs, *_ = CALLS[name]
    func(**kwargs)


@pytest.mark.parametrize("name, arg, spoil", list(cases()))
def test_bad_argument_is_named(name, arg, spoil):
    func, kwargs, *_ = CALLS[name]
    kind, what = spoil
    bad = spoil_matrix(kwargs[arg])[what] if kind == "matrix" else what
    with pytest.raises((ValueError, TypeError)) as info:
        func(**{**kwargs, arg: bad})
    message = str(info.value)
    assert "\n" not in message.strip(), message
    assert arg in message, f"message does not name {arg!r}: {message}"
