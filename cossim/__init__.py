"""cossim: the numerics behind the companion book to Steck, Ekanadham & Kallus (2024),
*Is Cosine-Similarity of Embeddings Really About Similarity?*

Modules
-------
spectrum     top-k singular values / right singular vectors of X
models       objectives Eq. (1), Eq. (2), their closed forms Eq. (5), Eq. (6), rescaling Eq. (3)
similarity   cosine similarities with the row normaliser Ω of Eq. (4)
simulation   the clustered data of the paper's Section 4
metrics      cluster-recovery scores
"""

from .metrics import cluster_auc, neighbour_purity, order_items
from .models import (
    SCALINGS,
    Factors,
    eq1_factors,
    eq1_shrinkage,
    eq2_factors,
    fit_eq1,
    fit_eq2,
    gradient_eq1,
    gradient_eq2,
    objective_eq1,
    objective_eq2,
    rescale,
    user_embeddings,
)
from .similarity import (
    cosine_similarity,
    item_item_cosine,
    row_normalize,
    row_norms,
    top_k_neighbours,
    user_item_cosine,
    user_user_cosine,
)
from .simulation import SimulatedData, sample_power_law, sample_without_replacement, simulate
from .spectrum import Spectrum, orient_columns, top_singular

__version__ = "0.1.0"

__all__ = [
    # spectrum
    "Spectrum", "top_singular", "orient_columns",
    # models
    "Factors", "SCALINGS", "eq1_shrinkage", "eq1_factors", "eq2_factors", "fit_eq1",
    "fit_eq2", "rescale", "user_embeddings", "objective_eq1", "objective_eq2",
    "gradient_eq1", "gradient_eq2",
    # similarity
    "row_norms", "row_normalize", "cosine_similarity", "item_item_cosine",
    "user_user_cosine", "user_item_cosine", "top_k_neighbours",
    # simulation
    "SimulatedData", "simulate", "sample_power_law", "sample_without_replacement",
    # metrics
    "cluster_auc", "neighbour_purity", "order_items",
]
