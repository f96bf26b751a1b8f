"""The surviving mutants argued equivalent (benchmarks/mutation.py, issue 13).

Each cannot change any result of its module; the argument is one line. Keyed by mutmut's
mutant name (stable while the function's source is unchanged).
"""

#: Surviving mutants argued equivalent: they cannot change any result of the module.
#: Keyed by mutmut's mutant name; the argument is one line.
_S, _P, _G, _D = "cossim.linalg.similarity.", "cossim.linalg.spectrum.", "cossim.linalg.gram.", "cossim.linalg.dense."
_EINSUM_CASE = "einsum accepts upper-case subscripts: the same contraction"
_DEFAULT_AXIS = "the default axis is -1, which is axis 1 of this 2-D array"
EQUIVALENT: dict[str, str] = {
    _S + "x_top_n_from_similarity__mutmut_46": "None stored in a float array is NaN, which argsort(-S) puts last "
                                               "like -inf (S is validated finite)",
    _G + "x__gram__mutmut_4": "float64 sums the squared row counts exactly while they stay below 2^53 (they are "
                              "at most nnz·p: 100 GB of X at p = 10^6), and the rule compares in float anyway",
    _G + "x__gram__mutmut_35": "NumPy reads order='f' as 'F'",
    _G + "x__gram__mutmut_41": "max(2, ...) gives other row blocks than max(1, ...) only when 2^22 // p < 2, i.e. "
                               "p > 2^21 (a G of 35 TB); for n = 1 both give the one row",
    _D + "x__by_dense_svd__mutmut_7": "full_matrices=None is falsy, exactly like False",
}

# ---- cossim.paper, cossim.linalg.krylov (issue 13, second round)
_M, _R, _N = "cossim.paper.models.", "cossim.paper.rescaling.", "cossim.paper.noise."
_SA, _CM = "cossim.paper.sampling.", "cossim.paper.cosine_model."
_K, _DG = "cossim.linalg.krylov.", "cossim.beyond.diagnostic."
_SIGNS = "the signs are exactly +1 or -1: dividing by them equals multiplying"
_RANK_AGAIN = "top_singular checks 1 <= k <= p again, with the same message, before any result"
EQUIVALENT.update({
    "cossim.linalg.spectrum.x_orient_columns__mutmut_8": _SIGNS,
    "cossim.linalg.spectrum.x__unused_columns__mutmut_14": "a step of 1 scans overlapping slices that mark the "
                                                          "same used columns: the same mask, more work",
    _M + "x_fit_eq1__mutmut_13": _RANK_AGAIN,
    _M + "x_fit_eq2__mutmut_12": _RANK_AGAIN,
    _R + "x_eq4_user_item__mutmut_38": _EINSUM_CASE,
    _R + "x_eq4_user_item__mutmut_51": _EINSUM_CASE,
    _CM + "x__normalise_backward__mutmut_11": _EINSUM_CASE,
    _CM + "x_fit_cosine_model__mutmut_94": "cross and quad (items 4 and 5) do not depend on the scale passed; "
                                           "only the value and the gradients do",
    _CM + "x_fit_cosine_model__mutmut_177": "scipy.optimize.minimize lower-cases the method name",
    _CM + "x_best_unit_rows__mutmut_60": "‖b‖ = 1 exactly at a midpoint makes it the root: either half keeps "
                                         "it in the bracket, and Newton polishes the same root",
    _K + "x__block_krylov__mutmut_60": "the second block of the first cycle is A times the first, so a NaN shows "
                                       "there and raises the same error",
    _K + "x__randomized__mutmut_13": "the Gaussian start block has full rank, so _orthonormalize never draws "
                                     "a fill from its generator",
    _DG + "x_score_svd__mutmut_39": _SIGNS,
    _DG + "x_score_svd__mutmut_40": _SIGNS,
    _N + "x_noise_penalty_weights__mutmut_39": _EINSUM_CASE,
    _N + "x_weighted_penalty__mutmut_24": _EINSUM_CASE,
    _SA + "x_sample_without_replacement__mutmut_3": "gumbel_top_k subtracts the weights into the float64 key "
                                                    "buffer (out=keys): any real dtype gives the same keys",
    _SA + "x_sample_without_replacement__mutmut_5": "gumbel_top_k subtracts the weights into the float64 key "
                                                    "buffer (out=keys): any real dtype gives the same keys",
})

# ---- cossim.paper.optim, cossim.linalg.dask, cossim.paper.simulation (issue 13, third round)
_O, _DK, _SIM = "cossim.paper.optim.", "cossim.linalg.dask.", "cossim.paper.simulation."
_XTXQ_F64 = "each block is float64 (cast in _check_dask) and Q is a float64 Krylov basis: the product is float64"
_ONES_F64 = "np.ones' default dtype is float64"
EQUIVALENT.update({
    _O + "x__minimize__mutmut_101": "scipy.optimize.minimize lower-cases the method name",
    _O + "x_eq1_value_on_subspace__mutmut_27": "np.allclose's default atol is 1e-08",
    _DK + "x__check_dask__mutmut_25": "NumPy (and dask's astype) read dtype None as float64",
    _DK + "x__check_dask__mutmut_26": "rechunking one column chunk to one column chunk returns the same array",
    _DK + "x__chunk_xtxq__mutmut_2": _XTXQ_F64,
    _DK + "x__chunk_xtxq__mutmut_4": _XTXQ_F64,
    _SIM + "x__draw_interactions__mutmut_11": "available <= n_items is exact in float64, and np.minimum's result "
                                              "is cast back into the int64 counts",
    _SIM + "x__draw_interactions__mutmut_67": _ONES_F64,
    _SIM + "x__draw_interactions__mutmut_69": _ONES_F64,
})

# ---- cossim.figure1: pipeline, readings, panels (issue 13, fourth round)
_F1, _RD = "cossim.figure1.pipeline.", "cossim.figure1.readings."
EQUIVALENT.update({
    _F1 + "x_figure1_json__mutmut_51": "json's encoder refuses NaN when `not allow_nan`: None is as falsy as False",
    _RD + "x_reading_kwargs__mutmut_2": "n_items is read only as max(1, n_items // 10), and 1001 // 10 = 1000 // 10 "
                                        "= 100",
    _RD + "x_robustness_summary__mutmut_14": "pandas tests groupby's sort for truth: None keeps the groups in order "
                                             "of first appearance, exactly like False",
})

# ---- cossim.beyond.training, negative_sampling, normalised_training (issue 13, §3.2's remedies)
_TR, _NS = "cossim.beyond.training.", "cossim.beyond.negative_sampling."
EQUIVALENT.update({
    _TR + "x__check_init_scale__mutmut_11": "the except clause replaces check_real's error by _check_init_scale's own "
                                            "message, so the name passed to check_real is never shown",
    _NS + "x__check_distributions__mutmut_26": "|Σq − 1| never equals double(1e-9): near 1 it is a multiple of 2⁻⁵³, "
                                               "which 1e-9 is not, and elsewhere it exceeds 1/2",
    _NS + "x__pmi_start__mutmut_41": "ARPACK normalises v0, and doubling it is exact in binary: the same unit start "
                                     "vector, bit for bit",
})
