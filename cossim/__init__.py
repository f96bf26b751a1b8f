"""cossim: the numerics behind the companion book to Steck, Ekanadham & Kallus (2024),
*Is Cosine-Similarity of Embeddings Really About Similarity?*

The subpackages follow the book's table of contents, and imports run one way,
from the top of this list to the bottom (held by the import-linter contract in
``pyproject.toml``):

cli       ``python -m cossim``: argument parsing, file input and output, one module per command
figure1   Figure 1 of §4: the panels, their scores, robustness over seeds, the γ sweep, plots
beyond    the chapters beyond the paper: gradient descent, MovieLens, the diagnostic, the slider
paper     §2–§4 of the paper: the models (Eqs. 1–6), the rescaling D (Eqs. 3–4), input noise,
          SymPy proofs, numerical checks, the remedies of §3, the simulation and metrics of §4
linalg    the SVD of X (one XᵀX, one sign rule) and cosine similarities (one Ω, one top-n)

Every public name is re-exported here, so ``cossim.fit_eq1`` works whatever
module holds it. ``cossim.symbolic`` (SymPy) is imported on first use.
"""

from .beyond.deep_model import (
    DeepLinear,
    EigenGram,
    balanced_embeddings,
    balanced_optimum,
    balanced_value,
    deep_gradient,
    deep_objective,
    eigen_gram,
    fit_deep_linear,
    top_directions,
)
from .beyond.diagnostic import DiagnosticReport, diagnose, score_svd
from .beyond.explorer import explorer_frames, explorer_html
from .beyond.genre_yardsticks import (
    GenrePairs,
    best_count_similarity,
    binned_auc,
    count_similarity,
    exact_aucs,
    expected_genre_jaccard_at_k,
    genre_pairs,
    grid_aucs,
    matched_auc,
    positive_pairs,
    random_similarity,
    raw_item_cosine,
    yardstick_auc,
)
from .beyond.libraries import ModelFactors, SplitFit, diagnose_model, factors_from_model, split_exponent
from .beyond.movielens import MovieLens, genre_auc, genre_jaccard_at_k, load_movielens
from .beyond.movielens_bootstrap import (
    BootstrapInterval,
    UserBootstrap,
    bootstrap_interval,
    choices_from_gram,
    genre_statistics,
    recommendation_overlap,
    relative_prediction_gap,
    relative_residual,
    user_bootstrap,
)
from .beyond.negative_sampling import (
    SGNSModel,
    activity_weights,
    cooccurrence,
    debiased_gram,
    fit_sgns,
    negative_distribution,
    popularity_bias,
    sample_pairs,
    sgns_gradient,
    sgns_objective,
    sgns_pair_losses,
    sgns_sampled_loss,
)
from .beyond.normalised_training import (
    TwoTower,
    UnitItemModel,
    fit_two_tower,
    fit_unit_items,
    objective_unit_items,
    rescale_two_tower,
    two_tower_gradient,
    two_tower_objective,
    two_tower_rescaling_check,
    unit_item_best_a,
)
from .beyond.retrieval import holdout_split, item_similarity, recall_at_k
from .beyond.training import TrainingRun, cosine_spread, gradient_descent, train_runs
from .figure1.panels import PANELS
from .figure1.pipeline import Figure1Result, figure1_json, run_figure1, simulate_figure1
from .figure1.readings import robustness
from .figure1.sweep import gamma_sweep
from .linalg.similarity import (
    cosine_similarity,
    item_item_cosine,
    row_normalize,
    row_norms,
    top_k_neighbours,
    user_item_cosine,
    user_user_cosine,
)
from .linalg.spectrum import Spectrum, auto_method, orient_columns, top_singular
from .paper.cosine_model import CosineModel, fit_cosine_model, gradient_cosine, objective_cosine
from .paper.metrics import cluster_auc, neighbour_purity, order_items
from .paper.models import (
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
from .paper.noise import (
    corrupt,
    expected_noisy_loss,
    fit_weighted_full_rank,
    gaussian_noise_lambda,
    monte_carlo_noisy_loss,
    noise_penalty_weights,
    weighted_penalty,
)
from .paper.optim import eq1_optimal_value, eq1_value_on_subspace, gram_matrix, minimize_eq1, minimize_eq2
from .paper.remedies import (
    RescalingCheck,
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
from .paper.rescaling import eq4_item_item, eq4_user_item, eq4_user_user, paper_choice_d
from .paper.sampling import (
    discrete_power_law,
    dkw_bound,
    kolmogorov_distance,
    power_count_law,
    sample_power_law,
    sample_without_replacement,
    total_variation,
)
from .paper.simulation import SimulatedData, simulate

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
    "power_count_law", "discrete_power_law", "total_variation", "kolmogorov_distance", "dkw_bound",
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
    "GenrePairs", "genre_pairs", "positive_pairs", "matched_auc", "exact_aucs", "yardstick_auc", "grid_aucs",
    "binned_auc",
    "count_similarity", "best_count_similarity", "random_similarity", "raw_item_cosine",
    "expected_genre_jaccard_at_k",
    "UserBootstrap", "BootstrapInterval", "user_bootstrap", "bootstrap_interval", "genre_statistics",
    "choices_from_gram", "relative_prediction_gap", "relative_residual", "recommendation_overlap",
    "DiagnosticReport", "diagnose", "score_svd",
    "ModelFactors", "SplitFit", "factors_from_model", "split_exponent", "diagnose_model",
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
    # remedies during training (remedy 1 as framed by the paper; remedy 3b)
    "objective_unit_items", "unit_item_best_a", "UnitItemModel", "fit_unit_items",
    "TwoTower", "two_tower_objective", "two_tower_gradient", "fit_two_tower", "rescale_two_tower",
    "two_tower_rescaling_check",
    "activity_weights", "debiased_gram", "negative_distribution", "cooccurrence", "sgns_objective",
    "sgns_gradient", "sample_pairs", "sgns_pair_losses", "sgns_sampled_loss", "SGNSModel", "fit_sgns",
    "popularity_bias",
    # the paper's discussion: deeper models, cosine against the dot product
    "EigenGram", "eigen_gram", "top_directions", "balanced_value", "DeepLinear", "deep_objective",
    "deep_gradient", "fit_deep_linear",
    "balanced_optimum", "balanced_embeddings",
    "holdout_split", "item_similarity", "recall_at_k",
]


#: Modules reachable as attributes of ``cossim`` and imported on first use
#: (SymPy takes a second to import, and most readers never need it).
_LAZY_MODULES = {"symbolic": "cossim.paper.symbolic"}


def __getattr__(name):
    if name in _LAZY_MODULES:
        import importlib

        module = importlib.import_module(_LAZY_MODULES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'cossim' has no attribute {name!r}")
