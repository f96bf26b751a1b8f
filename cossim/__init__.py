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
module holds it. The re-exports are lazy (PEP 562): ``import cossim`` itself
imports no NumPy, SciPy, pandas, matplotlib or SymPy; a name's module, and what
that module needs, is imported on the name's first use. The subpackages and
``cossim.symbolic`` (SymPy) are attributes imported on first use too.
"""

from . import _lazy

#: Where each public name lives: ``{module under cossim: names}``. A name is imported
#: from its module on first access (PEP 562), so ``import cossim`` loads no NumPy, SciPy,
#: pandas or matplotlib; ``from cossim import fit_eq1`` loads only what fit_eq1 needs.
_EXPORTS = {
    "beyond.deep_model": ("DeepLinear", "EigenGram", "balanced_embeddings", "balanced_optimum",
        "balanced_value", "deep_gradient", "deep_objective", "eigen_gram", "fit_deep_linear", "top_directions"),
    "beyond.diagnostic": ("DiagnosticReport", "diagnose", "score_svd"),
    "beyond.explorer": ("explorer_frames", "explorer_html"),
    "beyond.libraries": ("ModelFactors", "SplitFit", "diagnose_model", "factors_from_model", "split_exponent"),
    "beyond.genre_yardsticks": ("GenrePairs", "best_count_similarity", "binned_auc", "count_similarity",
        "exact_aucs", "expected_genre_jaccard_at_k", "genre_pairs", "grid_aucs", "matched_auc",
        "positive_pairs", "random_similarity", "raw_item_cosine", "yardstick_auc"),
    "beyond.movielens": ("MovieLens", "genre_auc", "genre_jaccard_at_k", "load_movielens"),
    "beyond.movielens_bootstrap": ("BootstrapInterval", "UserBootstrap", "bootstrap_interval",
        "choices_from_gram", "genre_statistics", "recommendation_overlap", "relative_prediction_gap",
        "relative_residual", "user_bootstrap"),
    "beyond.negative_sampling": ("SGNSModel", "activity_weights", "cooccurrence", "debiased_gram", "fit_sgns",
        "negative_distribution", "popularity_bias", "sample_pairs", "sgns_gradient", "sgns_objective",
        "sgns_pair_losses", "sgns_sampled_loss"),
    "beyond.normalised_training": ("TwoTower", "UnitItemModel", "fit_two_tower", "fit_unit_items",
        "objective_unit_items", "rescale_two_tower", "two_tower_gradient", "two_tower_objective",
        "two_tower_rescaling_check", "unit_item_best_a"),
    "beyond.retrieval": ("holdout_split", "item_similarity", "recall_at_k"),
    "beyond.training": ("TrainingRun", "cosine_spread", "gradient_descent", "train_runs"),
    "figure1.panels": ("PANELS",),
    "figure1.pipeline": ("Figure1Result", "figure1_json", "run_figure1", "simulate_figure1"),
    "figure1.readings": ("robustness",),
    "figure1.sweep": ("gamma_sweep",),
    "linalg.similarity": ("cosine_similarity", "item_item_cosine", "nearest_mask", "row_normalize", "row_norms",
        "top_k_neighbours", "user_item_cosine", "user_user_cosine"),
    "linalg.spectrum": ("Spectrum", "auto_method", "orient_columns", "top_singular"),
    "paper.cosine_model": ("CosineModel", "fit_cosine_model", "gradient_cosine", "objective_cosine"),
    "paper.metrics": ("ClusterScores", "cluster_auc", "neighbour_purity", "order_items"),
    "paper.models": ("SCALINGS", "Factors", "eq1_factors", "eq1_shrinkage", "eq2_factors", "fit_eq1",
        "fit_eq2", "gradient_eq1", "gradient_eq2", "objective_eq1", "objective_eq2", "rescale",
        "user_embeddings"),
    "paper.noise": ("corrupt", "expected_noisy_loss", "fit_weighted_full_rank", "gaussian_noise_lambda",
        "monte_carlo_noisy_loss", "noise_penalty_weights", "weighted_penalty"),
    "paper.optim": ("eq1_optimal_value", "eq1_value_on_subspace", "gram_matrix", "minimize_eq1", "minimize_eq2"),
    "paper.remedies": ("RescalingCheck", "objective_eq1_gram", "objective_eq2_gram", "projected_item_cosine",
        "projected_user_cosine", "projected_user_embeddings", "propensity_weights", "random_rescalings",
        "recovery_scores", "rescaling_check", "spectrum_from_gram", "standardized_gram", "weighted_gram"),
    "paper.rescaling": ("eq4_item_item", "eq4_user_item", "eq4_user_user", "paper_choice_d"),
    "paper.sampling": ("discrete_power_law", "dkw_bound", "kolmogorov_distance", "power_count_law",
        "sample_power_law", "sample_without_replacement", "total_variation"),
    "paper.simulation": ("SimulatedData", "simulate"),
}

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
    "user_user_cosine", "user_item_cosine", "top_k_neighbours", "nearest_mask",
    # simulation
    "SimulatedData", "simulate", "sample_power_law", "sample_without_replacement",
    "power_count_law", "discrete_power_law", "total_variation", "kolmogorov_distance", "dkw_bound",
    # metrics
    "cluster_auc", "neighbour_purity", "ClusterScores", "order_items",
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


#: Modules reachable as attributes of ``cossim`` and imported on first use: the
#: subpackages, and ``cossim.symbolic`` (SymPy takes a second to import, and most readers
#: never need it).
_LAZY_MODULES = {
    "symbolic": "cossim.paper.symbolic",
    **{name: f"cossim.{name}" for name in ("linalg", "paper", "figure1", "beyond", "cli", "report")},
}

#: ``{public name: module under cossim}``, read off :data:`_EXPORTS`.
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}


#: A public name or a lazy module, imported on first access and then cached (PEP 562).
__getattr__ = _lazy.lazy_getattr(__name__, names=_WHERE, modules=_LAZY_MODULES)


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_LAZY_MODULES))
