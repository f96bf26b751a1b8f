"""Claims of the chapters beyond the paper: Chapter 5 (the D explorer) and Chapter 8 (the diagnostic)."""

from .core import Claim

_S = "Beyond the paper"

CLAIMS = [
    # Chapter 5: the slider over B = V_k m^γ, A = V_k m^(1-γ)
    Claim(id="ch5-objective-at-optimum",
          statement="Every member of the slider's family attains the minimum of Eq. (1), "
                    "‖X‖²_F − Σ σ_i⁴/(σ_i² + λ), computed from the singular values alone.",
          section=_S,
          quantity="max over γ of |objective(A_γ, B_γ) − optimum| / optimum, against the "
                   "rounding bound 4 k p ε ‖X‖²_F / optimum"),
    Claim(id="ch5-predictions-identity",
          statement="The predictions X A_γ B_γᵀ of all members agree to rounding, an algebraic "
                    "identity of the family (both sides are built from the same V_k and m).",
          section=_S,
          quantity="max over γ, users, items of |X A_γ B_γᵀ − X A_½ B_½ᵀ|, against "
                   "2 (k + p) ε max_u ‖x_u‖₁"),
    Claim(id="ch5-auc-changes",
          statement="The cluster-recovery AUC of the item cosines changes along the slider.",
          section=_S,
          quantity="max − min of the AUC over the slider's γ, against the AUC's resolution "
                   "1 / (positive pairs · negative pairs)"),
    Claim(id="ch5-auc-rises-past-edge",
          statement="On the simulated data the AUC is highest at the slider's edge γ = 1 only "
                    "because the slider stops there: some γ > 1 beats every γ in [0, 1].",
          section=_S,
          quantity="max AUC over the wider grid's γ > 1 minus max AUC over its γ in [0, 1], "
                   "against the AUC's resolution"),
    Claim(id="ch5-neighbours-change",
          statement="For some of the listed items the set of top-5 neighbours at γ = 0 differs "
                    "from the set at γ = 1.",
          section=_S,
          quantity="number of listed items whose top-5 set changes, at least 1"),
    # Chapter 8: the diagnostic
    Claim(id="ch8-scores-unchanged",
          statement="Every member of the γ-family and every random probe (P M, Q M⁻ᵀ) gives the "
                    "given scores P Qᵀ to rounding, on all four sets of factors.",
          section=_S,
          quantity="max over the four reports of score change / its rounding bound "
                   "((2√k + 2) κ k ε ‖P‖₂ ‖Q‖₂, κ = 1 for the γ-family)"),
    Claim(id="ch8-gamma-moves-neighbours",
          statement="Along the γ-family alone, the MovieLens Eq. (1) factors lose part of a "
                    "movie's top-n neighbours: the share kept for every γ is below 1.",
          section=_S,
          quantity="mean share of the top-n kept for every γ, against 1 − 1/(p n) (one "
                   "neighbour of one item)"),
    Claim(id="ch8-eq2-is-balanced-member",
          statement="The Eq. (2) factors are the γ = ½ member of the family of their own scores: "
                    "their item cosines equal that member's to rounding.",
          section=_S,
          quantity="largest |cos_½(i, j) − cos_Q(i, j)| over pairs, worst of the two Eq. (2) "
                   "sets, against 4 (k + 2) ε (two rounded cosines of unit k-vectors)"),
    Claim(id="ch8-eq1-not-a-member",
          statement="The symmetric Eq. (1) factors V_k m^½ are no member of the diagnostic's "
                    "γ-family on its grid: the closest member's cosines differ from theirs.",
          section=_S,
          quantity="MovieLens Eq. (1): min over the grid of max |cos_γ − cos_Q| over pairs, "
                   "against 4 (k + 2) ε"),
    Claim(id="ch8-probes-beyond-gamma",
          statement="Random diagonal rescalings D of condition number κ move the MovieLens "
                    "Eq. (1) neighbourhoods further than any member of the γ-family on [0, 1], "
                    "so the γ-family numbers are only bounds.",
          section=_S,
          quantity="worst γ-family overlap minus worst diagonal-probe overlap, against 1/(p n)"),
    Claim(id="ch8-general-beyond-gamma",
          statement="Random general M of condition number κ also move the MovieLens Eq. (1) "
                    "neighbourhoods further than any member of the γ-family on [0, 1].",
          section=_S,
          quantity="worst γ-family overlap minus worst general-probe overlap, against 1/(p n)"),
    Claim(id="ch8-wider-range-less-stable",
          statement="Widening the γ range beyond [0, 1] lowers the share of neighbours kept for "
                    "every γ: the range is a choice, and [0, 1] gives a bound.",
          section=_S,
          quantity="stable share on [0, 1] minus stable share on the wider range, against "
                   "1/(p n)"),
]
