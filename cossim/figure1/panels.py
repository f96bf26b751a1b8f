"""The five panels of Figure 1, each described once by a :class:`Panel` record.

A panel is an item–item similarity matrix of the same data X under one
modelling choice. With ``X = U Σ Vᵀ`` (top k) and ``m_i = 1 / (1 + λ₁/σ_i²)``
(the shrinkage of Eq. (1)'s closed form, paper §2.2):

``truth``         1 if two items share a label, else 0;
``eq1_gamma0``    cos(B, B), B = V_k                (Eq. (1), γ = 0: the shrinkage m all in A);
``eq1_gamma0.5``  cos(B, B), B = V_k dMat(m)^{1/2}  (Eq. (1), the symmetric split of Eq. (5));
``eq1_gamma1``    cos(B, B), B = V_k dMat(m)        (Eq. (1), γ = 1: the shrinkage m all in B);
``eq2``           cos(B, B), B = V_k dMat(√(σ(1 − λ₂/σ)₊))  (Eq. (2), solution Eq. (6)).

The three Eq. (1) panels are one model (the same ``ÂB̂ᵀ``, so the same loss)
rescaled by Eq. (3) with ``D = dMat(m)^{1/2−γ}``. The paper's own panel titles
are not in its text; these three are our reading. The paper's cases (a) and (b)
of §2.2 are *full-rank* (k = p); γ = 0 and γ = 1 apply the same split of m
to the rank-k solution, so they are the rank-k counterparts of (a) and (b),
not those cases themselves.

Everything that names or defines a panel -- plot titles, the definition in
``figure1.json``, the column of the score table, the ``--help`` of
``python -m cossim figure1`` -- is read from :data:`PANEL_RECORDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from .._validation import InvalidValue, check_labels, check_lambda
from ..linalg.similarity import item_item_cosine
from ..paper.models import eq1_factors, eq2_factors

__all__ = ["Panel", "PANEL_RECORDS", "PANELS", "PANEL_TITLES", "PANEL_SHORT_TITLES",
           "PANEL_DEFINITIONS", "panel", "truth_similarity", "panel_factors",
           "panel_similarities", "similarities_from_factors", "panel_factor_rank"]


@dataclass(frozen=True)
class Panel:
    """One panel of Figure 1.

    Attributes
    ----------
    name : str
        Key in results and in ``figure1.json``.
    title : str
        Two-line title (matplotlib mathtext).
    short_title : str
        One-line title for figures at book width.
    formula : str
        Plain-ASCII formula of the similarity.
    source : str or None
        Where the paper defines it (plain ASCII, e.g. ``"Eq. 1, Eq. 5"``).
    embedding_label : str
        The item embeddings B, for the score table.
    build_B : callable or None
        ``build_B(spectrum, lam1, lam2) -> B`` (p × k); None for ``truth``,
        which is not a cosine of embeddings.
    gamma : float or None
        γ of ``B = V_k dMat(m)^γ`` for the Eq. (1) panels, else None.
    """

    name: str
    title: str
    short_title: str
    formula: str
    source: str | None
    embedding_label: str
    build_B: Callable | None = None
    gamma: float | None = None

    @property
    def definition(self) -> str:
        """``formula (source)``: the definition written to ``figure1.json``."""
        return self.formula if self.source is None else f"{self.formula} ({self.source})"


def _eq1_B(gamma, spectrum, lam1, lam2):
    """B of Eq. (1)'s family ``V_k dMat(m)^γ`` (λ₂ unused)."""
    return eq1_factors(spectrum, lam1, gamma).B


def _eq2_B(spectrum, lam1, lam2):
    """B of Eq. (6), the solution of Eq. (2) (λ₁ unused)."""
    return eq2_factors(spectrum, lam2).B


def _eq1_panel(gamma, name, title, short_title, formula, source, embedding_label):
    return Panel(name, title, short_title, formula, source, embedding_label,
                 partial(_eq1_B, gamma), gamma)


#: The panels of Figure 1, in display order.
PANEL_RECORDS = (
    Panel("truth", "truth: 1 if same cluster", "truth (same cluster)",
          "S[i,j] = 1 if label[i] == label[j] else 0", None, "— (same cluster: 1, else 0)"),
    _eq1_panel(0.0, "eq1_gamma0", "Eq. (1), $B = V_k$\n[$\\gamma = 0$: shrinkage all in $A$]",
               "Eq. (1), γ = 0", "cos(B,B), B = V_k",
               "Eq. 1, gamma = 0: m all in A; rank-k counterpart of case (a)", "Eq. (1): V_k"),
    _eq1_panel(0.5, "eq1_gamma0.5",
               "Eq. (1), $B = V_k\\,\\mathrm{dMat}(m)^{1/2}$\n[$\\gamma = 1/2$: Eq. (5)]",
               "Eq. (1), γ = ½",
               "cos(B,B), B = V_k dMat(m)^(1/2), m = 1/(1+lam1/sigma^2)", "Eq. 1, Eq. 5",
               "Eq. (1): V_k·dMat(m)^½"),
    _eq1_panel(1.0, "eq1_gamma1",
               "Eq. (1), $B = V_k\\,\\mathrm{dMat}(m)$\n[$\\gamma = 1$: shrinkage all in $B$]",
               "Eq. (1), γ = 1",
               "cos(B,B), B = V_k dMat(m), m = 1/(1+lam1/sigma^2)",
               "Eq. 1, gamma = 1: m all in B; rank-k counterpart of case (b)",
               "Eq. (1): V_k·dMat(m)"),
    Panel("eq2", "Eq. (2), $B$ of Eq. (6)\n[unique]", "Eq. (2)",
          "cos(B,B), B = V_k dMat(sqrt(sigma*max(0,1-lam2/sigma)))", "Eq. 2, Eq. 6",
          "Eq. (2): V_k·dMat(√(σ(1−λ₂/σ)₊))", _eq2_B),
)

#: Panel names of Figure 1, in display order.
PANELS = tuple(p.name for p in PANEL_RECORDS)
#: ``{name: title}``, ``{name: short title}``, ``{name: definition}``, read off the records.
PANEL_TITLES = {p.name: p.title for p in PANEL_RECORDS}
PANEL_SHORT_TITLES = {p.name: p.short_title for p in PANEL_RECORDS}
PANEL_DEFINITIONS = {p.name: p.definition for p in PANEL_RECORDS}

_BY_NAME = {p.name: p for p in PANEL_RECORDS}


def panel(name: str) -> Panel:
    """The record of panel `name`."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise InvalidValue(f"panel must be one of {PANELS}, got {name!r}") from None


def truth_similarity(labels) -> np.ndarray:
    """The ``truth`` panel: ``S[i, j] = 1`` if items i and j share a label, else 0."""
    labels = check_labels(labels, np.size(labels))
    return np.asarray(labels[:, None] == labels[None, :], dtype=np.float64)


def panel_factors(spectrum, lam1, lam2) -> dict:
    """``{name: B}`` for every panel with item embeddings (all but ``truth``)."""
    lam1 = check_lambda(lam1, "lam1")
    lam2 = check_lambda(lam2, "lam2")
    return {p.name: p.build_B(spectrum, lam1, lam2) for p in PANEL_RECORDS if p.build_B}


def panel_similarities(spectrum, labels, lam1, lam2) -> dict:
    """The five item–item similarity matrices of Figure 1, in item order.

    Parameters
    ----------
    spectrum : Spectrum
        Top-k σ and V of X (k = its length).
    labels : array_like of int, shape (p,)
    lam1, lam2 : float
        λ of Eq. (1) (on the scale of σ²) and of Eq. (2) (on the scale of σ).

    Returns
    -------
    dict
        ``{name: S}`` for the names in :data:`PANELS`, each S of shape (p, p).
    """
    labels = check_labels(labels, spectrum[1].shape[0])
    return similarities_from_factors(panel_factors(spectrum, lam1, lam2), labels)


def similarities_from_factors(factors: dict, labels) -> dict:
    """``{name: S}`` in panel order: the truth from `labels`, cos(B, B) for each B in `factors`."""
    out = {"truth": truth_similarity(labels)}
    out.update({name: item_item_cosine(B) for name, B in factors.items()})
    return {name: out[name] for name in PANELS}


def panel_factor_rank(factors: dict) -> dict:
    """``{name: number of non-zero columns of B}`` (None for ``truth``)."""
    return {name: (int(np.count_nonzero(np.any(factors[name] != 0, axis=0)))
                   if name in factors else None) for name in PANELS}
