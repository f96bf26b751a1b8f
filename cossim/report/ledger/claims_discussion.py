"""Claims of Section 4.2 (the paper's discussion: deeper models, cosine against the dot product)."""

from .core import Claim

CLAIMS = [
    Claim(id="disc-deep1-unique",
          statement="The one-layer autoencoder with weight decay, trained from every seed, ends at the cosines "
                    "of its balanced global optimum B = V_k dMat(t^{1/2}) on both data sets.",
          section="Discussion",
          quantity="largest |cos(fit) − cos(closed form)| over seeds and data sets (depth 1)"),
    Claim(id="disc-deep2-sim-seeds-agree",
          statement="On the simulated data the two-layer autoencoder ends with the same item–item cosines (to "
                    "0.01) from every seed.",
          section="Discussion",
          quantity="largest item–item cosine difference between two seeds (depth 2, simulated)"),
    Claim(id="disc-deep2-seeds-move",
          statement="On MovieLens the two-layer autoencoder stops in seed-dependent local minima whose item–item "
                    "cosines differ by more than 0.1.",
          section="Discussion",
          quantity="largest item–item cosine difference between two seeds (depth 2, MovieLens)",
          status="qualified"),
    Claim(id="disc-deep2-flat",
          statement="Those MovieLens local minima are within 1 % of the global optimum's objective, so the loss "
                    "hardly tells them apart.",
          section="Discussion",
          quantity="largest relative excess of a depth-2 MovieLens fit over the global optimum"),
    Claim(id="disc-depth-moves-cosines",
          statement="Adding a layer changes the item–item cosines (by more than 0.05 on both data sets): "
                    "depth with weight decay picks its own rescaling of the embeddings.",
          section="Discussion",
          quantity="smaller, over the data sets, of the largest cosine difference between depth 1 and 2"),
    Claim(id="disc-small-init-local-minimum",
          statement="From a small initialisation the depth-2 model stops in a local minimum at least 1 % above "
                    "the global optimum on both data sets: the initial scale, not the seed, decides.",
          section="Discussion",
          quantity="smaller, over the data sets, of the relative excess of the objective",
          status="qualified"),
    Claim(id="disc-dot-recall-d-free",
          statement="User→item recall by dot product is the same for every rescaling D of Eq. (1).",
          section="Discussion",
          quantity="largest per-user recall difference between γ = 0, ½, 1, over both data sets"),
    Claim(id="disc-dot-beats-cosine-recall",
          statement="For every model and both data sets, ranking items for a user by dot product finds more "
                    "held-out items than ranking by cosine, beyond sampling noise.",
          section="Discussion",
          quantity="smallest paired z-statistic of the recall difference (dot − cosine)"),
    Claim(id="disc-cosine-beats-dot-items",
          statement="For Eq. (2)'s item embeddings, item–item cosine recovers clusters and genres better than "
                    "the dot product on both data sets.",
          section="Discussion",
          quantity="smaller, over the data sets, of the AUC difference (cosine − dot) for Eq. (2)"),
    Claim(id="disc-dot-neighbours-popular",
          statement="Dot-product neighbours are popular items more often than cosine neighbours, by more than 3 "
                    "standard errors, for every model on both data sets.",
          section="Discussion",
          quantity="smallest difference in popularity bias (dot − cosine) in binomial standard errors"),
]
