"""Which rescaling D did your library pick? Factors from fitted models, and their diagnostic.

A practitioner's embeddings usually come from a library, not from the closed
forms of the paper. This module takes

* a fitted scikit-learn ``TruncatedSVD`` or ``PCA``: user embeddings
  ``P = model.transform(X)``, item embeddings ``Q = model.components_.T``
  (for ``PCA(whiten=True)`` the users are rescaled back by
  ``√explained_variance_`` so that ``P Qᵀ`` is still the reconstruction of the
  centred data);
* a fitted model of the ``implicit`` package (alternating least squares, BPR,
  logistic MF): ``P = model.user_factors``, ``Q = model.item_factors``;
* or a pair of arrays ``(P, Q)``,

and returns those factors (:func:`factors_from_model`), the member of the
family ``Q = c · V S^γ · R`` of the score matrix ``P Qᵀ = U S Vᵀ`` that they
are (:func:`split_exponent`; R any rotation, c any positive number: neither
changes a cosine), and the diagnostic of :func:`cossim.beyond.diagnostic.diagnose`
(:func:`diagnose_model`).

scikit-learn and implicit are imported by nobody here: a model is recognised
by its class's module and name, so ``import cossim`` stays light.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import InvalidType, InvalidValue, as_factor, as_matrix
from .diagnostic import DiagnosticReport, diagnose

__all__ = ["ModelFactors", "SplitFit", "factors_from_model", "split_exponent", "diagnose_model"]

_SKLEARN = {"TruncatedSVD", "PCA"}


@dataclass
class ModelFactors:
    """User and item factors taken from a model, and where each came from."""

    P: np.ndarray        # (n, k) user embeddings
    Q: np.ndarray        # (p, k) item embeddings
    users_from: str      # e.g. "transform(X)"
    items_from: str      # e.g. "components_.T"
    source: str          # the model's class name, or "arrays"


@dataclass
class SplitFit:
    """Where item factors sit in the family ``Q = c · V S^γ · R`` of their scores.

    ``gamma`` and ``scale`` (c) come from a least-squares fit of
    ``log diag(C Cᵀ) = 2γ log s + 2 log c`` with ``C = Vᵀ Q``, each component
    weighted by its share ``s_j / Σ s``; ``residual`` is
    the larger of ``‖C Cᵀ − c² S^{2γ}‖_F / ‖C Cᵀ‖_F`` (how far Q is from the
    family) and ``‖Q − V C‖_F / ‖Q‖_F`` (the part of Q outside the scores'
    item space). A residual near machine precision means that Q has exactly
    the item cosines of ``V S^γ``.
    """

    gamma: float
    scale: float
    residual: float
    singular_values: np.ndarray


def _class_of(model) -> tuple[str, str]:
    cls = type(model)
    return cls.__module__ or "", cls.__name__


def _is_sklearn(model) -> bool:
    module, name = _class_of(model)
    return module.startswith("sklearn.") and name in _SKLEARN


def _is_implicit(model) -> bool:
    module, _ = _class_of(model)
    return module.startswith("implicit.") and hasattr(model, "item_factors")


def _sklearn_factors(model, X) -> ModelFactors:
    name = _class_of(model)[1]
    if getattr(model, "components_", None) is None:
        raise InvalidValue(f"model {name} is not fitted (no components_): call fit(X) first")
    if X is None:
        raise InvalidValue(f"X is required for a {name}: its user embeddings are model.transform(X)")
    X = as_matrix(X, "X")
    p = model.components_.shape[1]
    if X.shape[1] != p:
        raise InvalidValue(f"X has {X.shape[1]} items (columns) but the {name} was fitted on {p}")
    P = np.asarray(model.transform(X), dtype=np.float64)
    users_from = "transform(X)"
    if name == "PCA" and getattr(model, "whiten", False):
        P = P * np.sqrt(model.explained_variance_)
        users_from = "transform(X) · √explained_variance_ (undoing whiten)"
    Q = np.ascontiguousarray(model.components_.T, dtype=np.float64)
    return ModelFactors(P, Q, users_from, "components_.T", name)


def _implicit_factors(model, X) -> ModelFactors:
    name = _class_of(model)[1]
    if hasattr(model, "to_cpu") and not _class_of(model)[0].startswith("implicit.cpu"):
        model = model.to_cpu()  # a GPU model: copy its factors to NumPy
    P, Q = model.user_factors, model.item_factors
    if P is None or Q is None:
        raise InvalidValue(f"model {name} is not fitted (user_factors is None): call fit(user_items) first")
    P = as_factor(np.asarray(P, dtype=np.float64), "user_factors")
    Q = as_factor(np.asarray(Q, dtype=np.float64), "item_factors")
    if X is not None:
        X = as_matrix(X, "X")
        if X.shape != (P.shape[0], Q.shape[0]):
            raise InvalidValue(f"X has shape {X.shape} but the {name} has {P.shape[0]} users "
                               f"and {Q.shape[0]} items")
    return ModelFactors(P, Q, "user_factors", "item_factors", name)


def factors_from_model(model, X=None) -> ModelFactors:
    """User and item embeddings as a practitioner would take them from `model`.

    Parameters
    ----------
    model : fitted ``sklearn.decomposition.TruncatedSVD`` or ``PCA``, fitted
        ``implicit`` model, or a pair ``(P, Q)`` of arrays
        ``(n, k)`` and ``(p, k)``.
    X : array_like or sparse, shape (n, p), optional
        The users × items data. Required for scikit-learn models (the user
        embeddings are ``model.transform(X)``); for an implicit model it is
        only checked against the model's numbers of users and items.

    Returns
    -------
    ModelFactors

    Raises
    ------
    InvalidType
        `model` is none of the supported kinds.
    InvalidValue
        The model is not fitted, X is missing or has the wrong shape, or the
        two arrays have different numbers of columns.
    """
    if isinstance(model, (tuple, list)):
        if len(model) != 2:
            raise InvalidValue(f"expected a pair (P, Q) of factor arrays, got {len(model)} items")
        P = as_factor(model[0], "P")
        Q = as_factor(model[1], "Q")
        if P.shape[1] != Q.shape[1]:
            raise InvalidValue(f"P and Q have mismatched ranks: P has k={P.shape[1]} columns, "
                               f"Q has k={Q.shape[1]}")
        if X is not None:
            X = as_matrix(X, "X")
            if X.shape != (P.shape[0], Q.shape[0]):
                raise InvalidValue(f"X has shape {X.shape} but P and Q give {P.shape[0]} users "
                                   f"and {Q.shape[0]} items")
        return ModelFactors(P, Q, "P", "Q", "arrays")
    if _is_sklearn(model):
        return _sklearn_factors(model, X)
    if _is_implicit(model):
        return _implicit_factors(model, X)
    module, name = _class_of(model)
    raise InvalidType(f"unsupported model {module}.{name}: expected a fitted scikit-learn "
                      "TruncatedSVD or PCA, an implicit model, or a pair (P, Q) of arrays")


def split_exponent(P, Q) -> SplitFit:
    """The γ (and scale c) with ``Q = c · V S^γ · R`` for the scores ``P Qᵀ = U S Vᵀ``.

    γ = 0 puts the whole scale on the users (``Q`` orthonormal, like
    ``TruncatedSVD.components_.T``), γ = ½ splits it evenly (Eq. (2)'s weight
    decay), γ = 1 puts it on the items. See :class:`SplitFit` for the fit and
    its residual. If all singular values are equal, γ is not identifiable and
    is returned as NaN.
    """
    from .diagnostic import score_svd

    P = as_factor(P, "P")
    Q = as_factor(Q, "Q")
    if P.shape[1] != Q.shape[1]:
        raise InvalidValue(f"P and Q have mismatched ranks: P has k={P.shape[1]} columns, "
                           f"Q has k={Q.shape[1]}")
    svd = score_svd(P, Q)
    s, V = svd.s, svd.V
    C = V.T @ Q
    G = C @ C.T
    d = np.diag(G)
    logs = np.log(s)
    if np.ptp(logs) <= 1e-12 * max(1.0, np.abs(logs).max()):
        gamma = float("nan")
        c2 = float(d.mean())
        model = c2 * np.ones_like(s)
    else:
        # weighted by s, so that components with a tiny share of the scores
        # (e.g. the ones a penalty nearly zeroes) do not decide the fit
        w = s / s.sum()
        A = np.column_stack([2.0 * logs, np.full_like(logs, 2.0)]) * w[:, None]
        (gamma, logc), *_ = np.linalg.lstsq(A, np.log(d) * w, rcond=None)
        gamma, c2 = float(gamma), float(np.exp(2.0 * logc))
        model = c2 * s ** (2.0 * gamma)
    inside = float(np.linalg.norm(G - np.diag(model)) / np.linalg.norm(G))
    outside = float(np.linalg.norm(Q - V @ C) / np.linalg.norm(Q))
    return SplitFit(gamma=gamma, scale=float(np.sqrt(c2)), residual=max(inside, outside),
                    singular_values=s)


def diagnose_model(model, X=None, **diagnose_kwargs) -> DiagnosticReport:
    """The diagnostic of :func:`cossim.diagnose` for a fitted model's factors.

    ``diagnose_model(model, X)`` is ``diagnose(f.P, f.Q, **diagnose_kwargs)``
    with ``f = factors_from_model(model, X)``; see those two functions for the
    arguments and errors.
    """
    f = factors_from_model(model, X)
    return diagnose(f.P, f.Q, **diagnose_kwargs)
