"""Parameters papermill injects into each chapter in the test suite.

A chapter's own ``parameters`` cell holds the paper's full-scale run (used by
the book build). Here each chapter may get smaller values so that the
papermill test stays quick; an empty dict runs the chapter at full scale.
Keys are chapter file stems under book/.
"""

CHAPTER_PARAMS = {
    "01_introduction": {},
    "02_models": {"n_users": 3000, "n_items": 200, "rank": 20, "lam1": 400.0, "lam2": 20.0,
                  "n_check_users": 500, "n_mc": 2000},
    "02_2_first_objective": {"n_users": 3000, "n_items": 200, "rank": 20, "lam1": 400.0,
                             "n_check_users": 500, "n_random_subspaces": 5},
    "02_3_second_objective": {"n_users": 3000, "n_items": 200, "rank": 20, "lam1": 400.0,
                              "lam2": 20.0},
    "03_remedies": {"n_users": 2_000, "n_items": 200, "rank": 10, "lam1": 1_000.0,
                    "lam2": 30.0, "cosine_max_iter": 100, "n_check_users": 100},
    "03_2_remedies_in_training": {"n_users": 2_000, "n_items": 200, "rank": 10, "lam1": 1_000.0,
                                  "tower_users": 500, "mc_pairs": 20_000},
    "04_experiments": {"robustness_seeds": 2, "robustness_readings": ["default", "capped_activity"],
                       "sweep_step": 0.25, "sweep_ranks": [10, 50]},
    "04_2_discussion": {"n_users": 2_000, "n_items": 200, "rank": 10, "lam1": 1_000.0, "lam2": 30.0,
                        "wd_lam": 900.0},
    "05_explorer": {"n_users": 3000, "n_items": 200, "rank": 10, "lam": 500.0, "n_frames": 5},
    "06_training_dynamics": {"n_runs": 3},
    "07_movielens": {"min_ratings": 50, "rank": 20, "n_boot": 20},
    "08_diagnostic": {"n_users": 3000, "n_items": 200, "rank": 10, "lam1": 2000.0, "lam2": 20.0,
                      "ml_min_ratings": 50, "ml_rank": 20, "n_gammas": 5},
    "09_libraries": {"n_users": 3000, "n_items": 200, "rank": 10, "lam2": 20.0,
                     "ml_min_ratings": 50, "ml_rank": 20, "n_gammas": 5, "als_long": 300},
}

#: Chapters whose numbers come from seeded random draws (simulated data, random
#: initialisations); the determinism test compares two more executions of each at their
#: test parameters (tests/book/test_determinism.py).
SEEDED_CHAPTERS = ("04_experiments", "06_training_dynamics")
