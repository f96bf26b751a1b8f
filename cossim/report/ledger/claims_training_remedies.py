"""Claims of Section 3.2 (remedies during training: remedy 1 as the paper frames it, remedy 3b)."""

from .core import Claim

CLAIMS = [
    Claim(id="tr-unit-items-pin-d",
          statement="With unit-norm item embeddings every random rescaling (AD, BD⁻¹) changes the training "
                    "objective, on both data sets.",
          section="§3",
          quantity="smallest relative objective change over the random D's, fits and data sets"),
    Claim(id="tr-unit-items-near-optimum",
          statement="Every unit-item fit ends within 1 % of Eq. (1)'s optimum, a lower bound for any "
                    "unit-item model, so no fit is much worse than the best attainable.",
          section="§3",
          quantity="largest relative excess of a fit's objective over Eq. (1)'s optimum"),
    Claim(id="tr-unit-items-cosines-differ",
          statement="Although normalisation pins D, unit-item fits from different starts end with item–item "
                    "cosines that differ by more than 0.3 on both data sets.",
          section="§3",
          quantity="smaller, over the two data sets, of the largest cosine difference between two starts",
          status="qualified"),
    Claim(id="tr-gain-frees-d",
          statement="With a learned layer-norm gain and un-normalised item embeddings, a latent rescaling "
                    "(g ⊙ d, B/d) leaves the loss unchanged up to rounding.",
          section="§3",
          quantity="largest relative loss change over the random D's and both data sets"),
    Claim(id="tr-gain-moves-cosines",
          statement="The same loss-preserving rescaling of the layer-norm model moves item–item cosines by "
                    "more than 0.05.",
          section="§3",
          quantity="smallest, over D's and data sets, of the largest item–item cosine change"),
    Claim(id="tr-normalised-towers-pin-d",
          statement="Towers whose item embeddings are unit-normalised (user side unit or layer-normalised) "
                    "change their loss under every random latent rescaling.",
          section="§3",
          quantity="smallest relative loss change over D's, the two towers and both data sets"),
    Claim(id="tr-user-ips-popularity",
          statement="Inverse-propensity weighting of user activity lowers the share of popular items among "
                    "the cosine neighbours of Eq. (1) on both data sets, by more than 3 standard errors.",
          section="§3",
          quantity="smaller, over the data sets, of the drop in popularity bias (none − users) in binomial "
                   "standard errors"),
    Claim(id="tr-sgns-expectation",
          statement="The loss minimised is the expectation of the sampled SGNS loss: a Monte Carlo draw of "
                    "pairs and negatives agrees with it within sampling error.",
          section="§3",
          quantity="|sampled mean − expectation| in standard errors"),
    Claim(id="tr-sgns-no-decay-free-d",
          statement="Without weight decay the negative-sampling loss is unchanged by any rescaling "
                    "(AD, BD⁻¹), as Eq. (1) is.",
          section="§3",
          quantity="largest relative loss change over the random D's (λ = 0)"),
    Claim(id="tr-sgns-beta-output",
          statement="On the simulated data, the exponent β of the negative distribution changes the cluster AUC "
                    "of SGNS's output embeddings by more than 0.03 between β = 0, 3/4 and 1.",
          section="§3",
          quantity="range over β of the cluster AUC of B (no user weights)"),
    Claim(id="tr-sgns-user-ips",
          statement="On the simulated data, weighting users by inverse activity raises the cluster AUC of "
                    "SGNS's output embeddings at β = 3/4.",
          section="§3",
          quantity="cluster AUC of B with user weights minus without (β = 3/4)"),
    Claim(id="tr-ips-within-d-range",
          statement="On both data sets, weighting users and items moves the AUC of Eq. (1)'s cosines (γ = ½) "
                    "less than the free rescaling D does between γ = 0 and γ = 1.",
          section="§3",
          quantity="smaller, over the data sets, of (γ range − range over the weightings) of the AUC"),
]
