"""Claims checked in Chapter 4 (``book/04_experiments.md``, Figure 1 of the paper's §4) and on
the landing page (``book/index.md``)."""

from .core import Claim

_S = "§4"

CLAIMS = [
    # -- 4.1 the simulated data ----------------------------------------------------------------
    Claim("ch4-ku-law-realised",
          "The drawn k_u follow P(k) = (√k − √(k−1))/√p, the exact law of the default sampler.", _S,
          "Kolmogorov distance of the empirical law of k_u to that law (bound: DKW, α = 0.001)"),
    Claim("ch4-ku-not-discrete-power-law",
          "The drawn k_u do not follow the discrete law P(k) ∝ k^(−1/2).", _S,
          "Kolmogorov distance of the empirical law of k_u to P(k) ∝ k^(−1/2) (bound: DKW, "
          "α = 0.001)"),
    Claim("ch4-cluster-directions-kept",
          "With k_u ≤ p, the C-th singular value of X exceeds λ₂, so Eq. (2) keeps every "
          "cluster direction.", _S, "σ_C of X"),
    Claim("ch4-capped-cluster-direction-lost",
          "With k_u capped at p/10, the C-th singular value falls below λ₂.", _S,
          "σ_C of X under the capped reading"),
    # -- 4.2 Figure 1 --------------------------------------------------------------------------
    Claim("ch4-eq1-panels-same-product",
          "The three Eq. (1) panels γ = 0, ½, 1 have the same product ÂB̂ᵀ.", _S,
          "largest entry of |A_γB_γᵀ − A_½B_½ᵀ| over γ"),
    Claim("ch4-eq1-panels-same-loss",
          "The three Eq. (1) panels have the same value of Eq. (1) on X.", _S,
          "largest relative difference of Eq. (1)'s value from that at γ = ½"),
    Claim("ch4-panel-rescaling-mild",
          "The D that maps Eq. (5) to γ = 0 or γ = 1 stretches the latent dimensions relative to "
          "one another by less than a factor 10 at rank k.", _S, "√(m_1/m_k)"),
    Claim("ch4-eq1-panels-cosines-differ",
          "The item-item cosines of the three Eq. (1) panels differ by more than 0.5 for some "
          "pair.", _S, "largest change of an item-item cosine between two of the three panels"),
    Claim("ch4-eq2-cross-cluster-alike",
          "The median cosine of cross-cluster pairs is at least 0.2 higher for Eq. (2) than for "
          "γ = 1.", _S, "median cross-cluster cosine of Eq. (2) minus that of γ = 1"),
    Claim("ch4-gamma0-popularity-gradient",
          "At γ = 0, in every cluster an item's mean cosine with its cluster-mates falls with its "
          "popularity, beyond three standard deviations of ρ under independence.", _S,
          "largest Spearman ρ (popularity, mean same-cluster cosine) over the clusters"),
    Claim("ch4-gamma1-eq2-no-popularity-gradient",
          "At γ = 1 and for Eq. (2), an item's mean cosine with its cluster-mates does not depend "
          "on its popularity beyond three standard deviations of ρ.", _S,
          "largest |Spearman ρ| over the clusters and the two panels"),
    # -- 4.3 scores ----------------------------------------------------------------------------
    Claim("ch4-truth-panel-perfect",
          "The truth panel has AUC 1 and neighbour purity 1.", _S,
          "smaller of the truth panel's AUC and purity"),
    Claim("ch4-nearly-all-neighbours",
          "Apart from γ = 0, every fitted panel puts on average at least 9.5 of an item's 10 "
          "nearest neighbours in its cluster.", _S,
          "smallest top-10 neighbour purity of the panels γ = ½, γ = 1 and Eq. (2)"),
    Claim("ch4-gamma0-purity-lowest",
          "γ = 0 has a neighbour purity at least 0.05 below every other fitted panel.", _S,
          "smallest purity of the other fitted panels minus the purity of γ = 0"),
    # -- 4.4 robustness ------------------------------------------------------------------------
    Claim("ch4-auc-increases-with-gamma-all-runs",
          "In every seed and reading of the robustness study, AUC(γ = 0) < AUC(½) < AUC(1).", _S,
          "share of runs with the AUC increasing in γ"),
    Claim("ch4-auc-spread-all-runs",
          "In every run the AUCs of the four fitted panels span at least 0.1.", _S,
          "smallest range of the fitted panels' AUC over the runs"),
    Claim("ch4-worst-is-gamma0-or-eq2",
          "In every run the worst fitted panel is γ = 0, or else Eq. (2).", _S,
          "share of runs whose worst panel is γ = 0 or Eq. (2)"),
    Claim("ch4-panel-order-varies",
          "The full order of the four fitted panels is not the same in every run.", _S,
          "number of distinct panel orders over the runs", status="qualified"),
    Claim("ch4-eq2-beats-gamma1-some-not-all",
          "Eq. (2) beats γ = 1 in some runs but not in all.", _S,
          "smaller of the number of runs where Eq. (2) beats γ = 1 and where it does not",
          status="qualified"),
    # -- 4.5 the γ sweep -----------------------------------------------------------------------
    Claim("ch4-sweep-best-gamma-above-half",
          "For every (k, λ₁) of the sweep the best γ is above the symmetric split ½.", _S,
          "smallest best γ over the lines of the sweep"),
    Claim("ch4-sweep-best-beats-gamma0",
          "For every (k, λ₁) the best γ recovers the clusters better than γ = 0.", _S,
          "smallest AUC(best γ) − AUC(γ = 0) over the lines"),
    Claim("ch4-sweep-eq2-below-best",
          "At the paper's k and λ₁, Eq. (2) is below the best member of the Eq. (1) family.", _S,
          "best AUC of the family minus the Eq. (2) AUC"),
    Claim("ch4-sweep-eq2-above-gamma0",
          "At the paper's k and λ₁, Eq. (2) is above γ = 0.", _S, "Eq. (2) AUC minus AUC(γ = 0)"),
    Claim("ch4-sweep-some-lines-peak-at-edge",
          "Some, but not all, lines of the sweep peak at the largest γ of the grid.", _S,
          "smaller of the number of lines peaking at the edge and inside", status="qualified"),
    Claim("ch4-sweep-largest-lam1-peaks-inside",
          "For the largest λ₁ no line peaks at the edge of the γ grid.", _S,
          "number of lines with the largest λ₁ that peak at the edge"),
    # -- 4.6 the command-line tool -------------------------------------------------------------
    Claim("ch4-cli-reproduces-scores",
          "python -m cossim figure1 writes the chapter's AUC and purity of every panel.", _S,
          "largest difference between figure1.json's scores and the chapter's"),
    # -- the landing page (book/index.md) ------------------------------------------------------
    Claim("index-same-product",
          "The three members γ = 0, ½, 1 of Eq. (1)'s family have the same product ABᵀ, to "
          "rounding.", "§2.2", "largest entry of the difference of the products, relative to the "
          "largest entry of ABᵀ"),
    Claim("index-cosines-differ",
          "Their item-item cosines differ by more than 0.1 for some pair.", "§2.2",
          "largest change of an item-item cosine between two of the three members"),
    Claim("index-auc-differs",
          "Their cluster AUCs differ by more than 0.02.", _S,
          "range of the cluster AUC over the three members"),
    Claim("index-auc-above-chance",
          "Every fitted panel recovers the clusters better than chance.", _S,
          "smallest cluster AUC of the four fitted panels"),
]
