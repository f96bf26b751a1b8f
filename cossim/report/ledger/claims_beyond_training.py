"""Claims of Chapter 6 (where gradient descent lands) and Chapter 7 (MovieLens)."""

from .core import Claim

_S = "Beyond the paper"
_LAM = ("half the relative change of the closed form when λ is off by the chapter's stated "
        "factor (lambda_tolerances), so that a run fitted with the wrong λ fails")

CLAIMS = [
    # Chapter 6: gradient descent from random starts
    Claim(id="ch6-eq1-product-matches",
          statement="Every gradient-descent run of Eq. (1) reaches the closed-form product "
                    "V_k dMat(m) V_kᵀ.",
          section=_S,
          quantity=f"worst relative error of ABᵀ over runs, against {_LAM}"),
    Claim(id="ch6-eq1-predictions-match",
          statement="Every gradient-descent run of Eq. (1) makes the closed form's predictions.",
          section=_S,
          quantity=f"worst relative error of XABᵀ over runs, against {_LAM}"),
    Claim(id="ch6-eq2-predictions-match",
          statement="Every gradient-descent run of Eq. (2) makes the predictions of Eq. (6).",
          section=_S,
          quantity=f"worst relative error of XABᵀ over runs, against {_LAM}"),
    Claim(id="ch6-eq2-gram-matches",
          statement="Every gradient-descent run of Eq. (2) reaches the item Gram matrix BBᵀ of "
                    "Eq. (6), the part of B a rotation leaves unchanged.",
          section=_S,
          quantity=f"worst relative error of BBᵀ over runs, against {_LAM}"),
    Claim(id="ch6-eq2-product-lags",
          statement="The bare product ABᵀ of the Eq. (2) runs is further from Eq. (6) than a "
                    "wrong λ (by the stated factor) would put it.",
          section=_S,
          quantity="worst relative error of ABᵀ over the Eq. (2) runs, against twice the "
                   "λ-derived tolerance of ABᵀ (the full change a wrong λ makes)"),
    Claim(id="ch6-block-steps-not-conserved",
          statement="With block step sizes the imbalance C = AᵀA − ρBᵀB (ρ the first step's "
                    "ratio) is not conserved: every run changes it by more than its start size.",
          section=_S,
          quantity="smallest ‖C_T − C_0‖_F / ‖C_0‖_F over the Eq. (1) runs, against 1"),
    Claim(id="ch6-drift-first-order",
          statement="With step sizes in a fixed ratio, the change of C = AᵀA − ρBᵀB over the "
                    "same flow time shrinks in proportion to the step, as a conserved quantity "
                    "of gradient flow must.",
          section=_S,
          quantity="change at a quarter of the step over change at the full step; first order "
                   "predicts ¼, no dependence 1; threshold ½ (their geometric mean)"),
    Claim(id="ch6-eq1-general-matrix",
          statement="The Eq. (1) runs do not land on a diagonal rescaling V_k D: V_kᵀBBᵀV_k has "
                    "an off-diagonal part.",
          section=_S,
          quantity="smallest off-diagonal share ‖offdiag(V_kᵀBBᵀV_k)‖_F / ‖V_kᵀBBᵀV_k‖_F over "
                   "runs, against the Eq. (2) Gram tolerance"),
    Claim(id="ch6-eq2-gram-diagonal",
          statement="The Eq. (2) runs land on a diagonal V_kᵀBBᵀV_k, as Eq. (6) up to a rotation "
                    "requires.",
          section=_S,
          quantity="largest off-diagonal share over runs, against the Eq. (2) Gram tolerance"),
    Claim(id="ch6-seed-moves-cosines",
          statement="Changing only the seed of the initialisation changes the Eq. (1) item "
                    "cosines by more than the Eq. (2) runs ever differ.",
          section=_S,
          quantity="mean |cos_r − cos_s| over Eq. (1) run pairs and item pairs, against the "
                   "largest |cos_r − cos_s| of the Eq. (2) runs"),
    Claim(id="ch6-init-scale-moves-cosines",
          statement="Changing only the initialisation scale, at a fixed seed, changes the Eq. (1) "
                    "item cosines by more than the Eq. (2) runs ever differ.",
          section=_S,
          quantity="smallest, over seeds and scales, mean |cos_c − cos_1| over item pairs, "
                   "against the largest |cos_r − cos_s| of the Eq. (2) runs"),
    Claim(id="ch6-eq1-neighbours-less-stable",
          statement="Two Eq. (1) runs share fewer top-10 neighbours on average than the two "
                    "least similar Eq. (2) runs.",
          section=_S,
          quantity="mean top-10 overlap of Eq. (1) run pairs, against the smallest mean overlap "
                   "of an Eq. (2) run pair less one neighbour of one item (1 / (10 p))"),
]
