"""Tests of cossim.beyond.diagnostic: the SVD of P Qᵀ, the γ family, the report and the CLI."""

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

import cossim
from cossim._validation import InvalidValue
from cossim.beyond import diagnostic as D
from cossim.beyond import probes as PR
from cossim.beyond.diagnostic import diagnose, score_svd
from cossim.linalg.similarity import unit_rows


def _factors(n=60, p=40, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, k)), rng.standard_normal((p, k))


def test_score_svd_matches_dense_svd():
    P, Q = _factors()
    svd = score_svd(P, Q)
    M = P @ Q.T
    assert_allclose(svd.s, np.linalg.svd(M, compute_uv=False)[:4], rtol=1e-10)
    assert_allclose((svd.U * svd.s) @ svd.V.T, M, atol=1e-10)
    assert_allclose(svd.U.T @ svd.U, np.eye(4), atol=1e-12)
    assert_allclose(svd.V.T @ svd.V, np.eye(4), atol=1e-12)


def test_score_svd_drops_rank_deficiency():
    P, Q = _factors()
    P[:, 3] = P[:, 0]  # rank 3 scores
    Q[:, 3] = 0.0
    assert score_svd(P, Q).s.size == 3


def test_family_keeps_scores_and_report_is_consistent():
    P, Q = _factors()
    rep = diagnose(P, Q, gammas=np.linspace(0, 1, 5), n_neighbours=5, n_pairs=3)
    assert rep.max_score_change < 1e-10
    assert rep.rank == 4 and len(rep.overlap_with_given) == 5
    assert all(0 <= o <= 1 for o in rep.overlap_with_given)
    assert 5 <= rep.union_size_mean <= 25
    assert len(rep.item_union_size) == 40 and min(rep.item_union_size) >= 5
    assert np.mean(rep.item_stable_fraction) == pytest.approx(rep.stable_fraction_mean)
    # the γ = 1/2 row of the balanced overlap is 1 by construction
    assert rep.overlap_with_balanced[2] == pytest.approx(1.0)
    ranges = [q["cos_range"] for q in rep.most_variable_pairs]
    assert ranges == sorted(ranges, reverse=True) and len(ranges) == 3
    # the reported ranges are the true max − min over γ of the family's cosines
    svd = score_svd(P, Q)
    q = rep.most_variable_pairs[0]
    cos = [cossim.cosine_similarity(svd.V * svd.s**g)[q["i"], q["j"]] for g in rep.gammas]
    assert_allclose(max(cos) - min(cos), q["cos_range"], atol=1e-12)
    json.loads(rep.to_json())


def test_given_q_in_family_is_found():
    """If Q is V S^γ₀ (times a rotation), the best-matching γ is γ₀ with overlap 1."""
    P, Q = _factors()
    svd = score_svd(P, Q)
    R, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))
    Pg, Qg = (svd.U * svd.s**0.3) @ R, (svd.V * svd.s**0.7) @ R
    rep = diagnose(Pg, Qg, gammas=np.linspace(0, 1, 11), n_neighbours=5)
    assert rep.best_gamma_for_given == pytest.approx(0.7)
    assert rep.overlap_with_given[7] == pytest.approx(1.0)


def test_equal_singular_values_make_cosines_fixed():
    """With S ∝ I the family is a single point up to scale: every item keeps its neighbours."""
    rng = np.random.default_rng(2)
    U, _ = np.linalg.qr(rng.standard_normal((30, 3)))
    V, _ = np.linalg.qr(rng.standard_normal((20, 3)))
    rep = diagnose(U * 2.0, V, n_neighbours=4)
    assert rep.stable_fraction_mean == pytest.approx(1.0)
    assert max(q["cos_range"] for q in rep.most_variable_pairs) < 1e-12


@pytest.mark.parametrize("P, Q, match", [
    (np.full((5, 3), np.nan), np.ones((4, 3)), "NaN"),
    (np.ones((5, 3)), np.ones((4, 2)), "same number of columns"),
    (np.ones((5, 3)) + 1j, np.ones((4, 3)), "complex"),
    (np.ones((0, 3)), np.ones((4, 3)), "empty"),
    (np.ones(5), np.ones((4, 3)), "2-D"),
    (np.zeros((5, 3)), np.ones((12, 3)), "zero matrix"),
])
def test_bad_input_raises(P, Q, match):
    with pytest.raises((ValueError, TypeError), match=match):
        diagnose(P, Q)


def test_bad_parameters():
    P, Q = _factors()
    with pytest.raises(ValueError, match="n_neighbours"):
        diagnose(P, Q, n_neighbours=40)
    with pytest.raises(ValueError, match="gammas"):
        diagnose(P, Q, gammas=[0.5])
    with pytest.raises(TypeError, match="n_pairs"):
        diagnose(P, Q, n_pairs=1.5)


def test_score_svd_uses_the_package_sign_rule():
    """V's columns are oriented by cossim.orient_columns, and U flips with V."""
    rng = np.random.default_rng(9)
    P, Q = rng.standard_normal((20, 3)), rng.standard_normal((12, 3))
    svd = score_svd(P, Q)
    assert np.array_equal(svd.V, cossim.orient_columns(svd.V))
    np.testing.assert_allclose((svd.U * svd.s) @ svd.V.T, P @ Q.T, atol=1e-12)


# The probes of the wider freedom (P M, Q M⁻ᵀ)


@pytest.mark.parametrize("diagonal", [True, False])
@pytest.mark.parametrize("kappa", [1.0, 3.0, 100.0])
def test_probe_matrices_have_the_stated_condition_and_inverse(diagonal, kappa):
    rng = np.random.default_rng(4)
    M, M_inv_T = PR.random_condition_matrix(6, kappa, rng, diagonal=diagonal)
    assert_allclose(np.linalg.cond(M), kappa, rtol=1e-12)
    assert_allclose(M @ M_inv_T.T, np.eye(6), atol=10 * kappa * np.finfo(float).eps * 6)
    if diagonal:
        assert np.count_nonzero(M - np.diag(np.diag(M))) == 0


def test_probes_keep_scores_move_cosines_and_are_deterministic():
    rng = np.random.default_rng(0)
    P, Q = rng.standard_normal((40, 5)), rng.standard_normal((30, 5))
    r1 = cossim.diagnose(P, Q, n_neighbours=4, max_condition=20.0, n_probes=3, seed=5)
    r2 = cossim.diagnose(P, Q, n_neighbours=4, max_condition=20.0, n_probes=3, seed=5)
    assert r1.to_dict() == r2.to_dict()
    for kind in ("diagonal", "general"):
        probe = r1.probes[kind]
        assert probe["condition"] == 20.0 and len(probe["overlaps"]) == 3
        assert probe["worst_overlap"] == min(probe["overlaps"]) < 1.0
        assert probe["max_cos_swing"] > 0.1
        pair = probe["swing_pair"]
        assert_allclose(abs(pair["cos_probe"] - pair["cos_given"]), probe["max_cos_swing"])
    assert r1.probe_max_score_change <= r1.probe_score_change_bound
    assert r1.max_score_change <= r1.score_change_bound
    # κ = 1: a diagonal D is c·I and a general M is c times a rotation: nothing moves
    r0 = cossim.diagnose(P, Q, n_neighbours=4, max_condition=1.0, n_probes=3)
    for kind in ("diagonal", "general"):
        assert r0.probes[kind]["worst_overlap"] == 1.0
        assert r0.probes[kind]["max_cos_swing"] < 1e-14
    assert cossim.diagnose(P, Q, n_neighbours=4, n_probes=0).probes == {}


def test_max_cosine_change_finds_the_pair():
    E = np.array([[1.0, 0.0], [0.0, 1.0], [np.sqrt(0.5), np.sqrt(0.5)]])
    F = E.copy()
    F[2] = [1.0, 0.0]
    (change, i, j, c_ref, c), = PR.max_cosine_change(E, [F], block=2)
    assert (i, j) == (1, 2) and c_ref == pytest.approx(np.sqrt(0.5)) and c == pytest.approx(0.0)
    assert change == pytest.approx(max(abs(F @ F.T - E @ E.T)[~np.eye(3, dtype=bool)]))


def test_membership_fields():
    rng = np.random.default_rng(1)
    P, Q = rng.standard_normal((30, 4)), rng.standard_normal((25, 4))
    svd = cossim.score_svd(P, Q)
    member = cossim.diagnose(svd.U * svd.s**0.7, svd.V * svd.s**0.3, n_neighbours=3, n_probes=0)
    assert member.best_gamma_for_given == pytest.approx(0.3)
    assert member.best_overlap_with_given == 1.0
    assert member.min_cos_gap_to_family < 1e-13
    assert member.gamma_condition[3] == pytest.approx(1.0)
    other = cossim.diagnose(P, Q, n_neighbours=3, n_probes=0)
    assert other.min_cos_gap_to_family > 1e-3
    assert other.gamma_max_cos_swing == max(other.cos_change_with_given)


@pytest.mark.parametrize("kw, match", [
    ({"max_condition": 0.5}, "max_condition"), ({"max_condition": 1e7}, "max_condition"),
    ({"max_condition": float("nan")}, "max_condition"), ({"n_probes": -1}, "n_probes"),
    ({"seed": -2}, "seed"),
])
def test_bad_probe_parameters(kw, match):
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidValue, match=match):
        cossim.diagnose(rng.standard_normal((6, 2)), rng.standard_normal((5, 2)),
                        n_neighbours=2, **kw)


# ------------------------------------------- exact cases, boundaries (issue 13, mutation testing)

def _brute_pairs(Qs, gammas, n_pairs):
    """Every pair i < j by decreasing range of its cosine over γ, ties by (i, j)."""
    C = np.stack([E @ E.T for E in Qs])
    p = C.shape[1]
    rows = []
    for i in range(p):
        for j in range(i + 1, p):
            c = C[:, i, j]
            rows.append((float(c.max() - c.min()), i, j, float(c.min()), float(c.max()),
                         float(gammas[int(c.argmin())]), float(gammas[int(c.argmax())])))
    rows.sort(key=lambda t: (-t[0], t[1], t[2]))
    return rows[:n_pairs]


def _block_pairs(Qs, gammas, a, b, n_pairs):
    """The pairs i < j, i in rows a:b, that diagnose's _PairRanges finds, the members' cosines
    of those rows handed to it one member at a time (as max_cosine_change hands them)."""
    ranges = D._PairRanges(gammas, n_pairs)
    for m, E in enumerate(Qs):
        ranges(a, m, E[a:b] @ E.T)
    return ranges.found


def _most_variable_pairs(Qs, gammas, n_pairs, block):
    """diagnose's most_variable_pairs from the members' unit rows Qs, block by block."""
    found = []
    if n_pairs > 0:
        for a in range(0, Qs[0].shape[0], block):
            found.extend(_block_pairs(Qs, gammas, a, min(a + block, Qs[0].shape[0]), n_pairs))
    return D._pair_entries(found, n_pairs)


def _members(p=7, k=3, seed=2, duplicate=True):
    rng = np.random.default_rng(seed)
    V, _ = np.linalg.qr(rng.standard_normal((p, k)))
    if duplicate:
        V[1] = V[0]  # items 0 and 1 coincide: their pairs with any j tie exactly
    s = np.array([3.0, 1.5, 0.5])
    gammas = np.array([0.0, 0.5, 1.0])
    return [cossim.row_normalize(V * s**g) for g in gammas], gammas


@pytest.mark.parametrize("block", [1, 2, 3, 7, 50])
@pytest.mark.parametrize("n_pairs", [2, 5, 30])  # (cuts between tied pairs: below)
def test_most_variable_pairs_by_brute_force(block, n_pairs):
    Qs, gammas = _members()
    got = _most_variable_pairs(Qs, gammas, n_pairs, block)
    want = _brute_pairs(Qs, gammas, n_pairs)
    assert [(q["i"], q["j"]) for q in got] == [(i, j) for _, i, j, *_ in want]
    for q, (r, _, _, lo, hi, g1, g2) in zip(got, want):
        assert set(q) == {"i", "j", "cos_range", "cos_min", "cos_max", "gamma_at_min", "gamma_at_max"}
        assert_allclose([q["cos_range"], q["cos_min"], q["cos_max"]], [r, lo, hi], rtol=1e-12, atol=1e-15)
        assert (q["gamma_at_min"], q["gamma_at_max"]) == (g1, g2)
    assert len(got) == min(n_pairs, 21)  # 7·6/2 pairs, the self-pairs never


def test_the_single_most_variable_pair():
    Qs, gammas = _members(duplicate=False)
    got = _most_variable_pairs(Qs, gammas, 1, 3)
    assert [(q["i"], q["j"]) for q in got] == [(i, j) for _, i, j, *_ in _brute_pairs(Qs, gammas, 1)]
    assert _most_variable_pairs(Qs, gammas, 0, 3) == []


def test_block_pairs_of_a_block_with_one_pair():
    """Rows 5:6 of 7 items hold one pair i < j, (5, 6)."""
    Qs, gammas = _members()
    found = _block_pairs(Qs, gammas, 5, 6, 10)
    assert [(i, j) for _, i, j, *_ in found] == [(5, 6)]
    assert _block_pairs(Qs, gammas, 6, 7, 10) == []  # the last row has no j > i


def test_stability_by_sets():
    """Union size and the share of each item's neighbours kept by every member, by Python sets."""
    from cossim.beyond.diagnostic import _stability

    N = [np.array([[1, 2], [0, 2], [0, 1]]),
         np.array([[1, 0], [2, 0], [0, 1]]),
         np.array([[2, 1], [0, 2], [2, 0]])]
    union, stable = _stability(N, 2)
    for i in range(3):
        sets = [set(Ng[i]) for Ng in N]
        assert union[i] == len(set().union(*sets))
        assert stable[i] == len(set.intersection(*sets)) / 2


def test_sampled_users():
    from cossim.beyond.diagnostic import _sample_users

    users = _sample_users(500, 3)
    assert users.shape == (200,) and users.min() >= 0 and users.max() < 500
    assert np.array_equal(users, np.random.default_rng(3).integers(0, 500, size=200))
    assert _sample_users(50, 3).shape == (50,)


def _spy_on_neighbour_lists(monkeypatch) -> list:
    """Record (E, block_size) of every neighbour-list call diagnose makes; the lists are the real ones."""
    calls, real = [], D.top_k_neighbours

    def spy(E, n, block_size=None):
        calls.append((E, block_size))
        return real(E, n, block_size=block_size)
    monkeypatch.setattr(D, "top_k_neighbours", spy)
    return calls


def test_neighbour_lists_are_computed_in_blocks_of_the_given_size(monkeypatch):
    calls = _spy_on_neighbour_lists(monkeypatch)
    P, Q = _factors(p=30)
    D.diagnose(P, Q, n_neighbours=3, block_size=7, n_probes=0)
    assert calls and {block_size for _, block_size in calls} == {7}


def test_report_json_round_trip():
    P, Q = _factors(p=20)
    report = diagnose(P, Q, n_neighbours=3, n_probes=0)
    text = report.to_json()
    assert json.loads(text) == json.loads(json.dumps(report.to_dict()))
    assert text.startswith('{\n  "n_users": ')  # indented by two spaces


def _exact_factors(s=(4.0, 2.0, 1.0), n=30, p=20, gamma0=0.5, seed=3):
    """P = U S^(1−γ₀), Q = V S^γ₀ with orthonormal U, V: the scores U S Vᵀ have singular values s."""
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, len(s))))
    V, _ = np.linalg.qr(rng.standard_normal((p, len(s))))
    s = np.asarray(s)
    return U * s ** (1 - gamma0), V * s**gamma0


def test_gamma_conditions_by_formula():
    """From Q = V S^½ the member V S^γ needs C_γ = S^(γ−½) (up to a rotation): κ = (s₁/s_r)^|γ−½|."""
    P, Q = _exact_factors()
    report = diagnose(P, Q, n_neighbours=3, n_probes=0)
    assert_allclose(report.gamma_condition, 4.0 ** np.abs(np.array(report.gammas) - 0.5), rtol=1e-10)


def test_defaults_of_diagnose():
    """11 exponents on [0, 1], 10 neighbours, 10 pairs, 8 probes of each kind, seed 0."""
    P, Q = _exact_factors()
    report = diagnose(P, Q)
    assert_allclose(report.gammas, np.linspace(0.0, 1.0, 11), rtol=0, atol=1e-15)
    assert (report.n_neighbours, len(report.most_variable_pairs), report.n_probes, report.seed) == (10, 10, 8, 0)
    again = diagnose(P, Q)
    assert report.to_dict() == again.to_dict()


def test_score_change_on_the_sampled_users():
    """max_score_change is the largest |P'_γ Q'_γᵀ − P Qᵀ| over the users _sample_users draws."""
    from cossim.beyond.diagnostic import _sample_users, _score_change

    P, Q = _factors()
    report = diagnose(P, Q, n_neighbours=3, n_probes=0, seed=4)
    svd = score_svd(P, Q)
    expected = _score_change(P, Q, svd, np.array(report.gammas), _sample_users(P.shape[0], 4))
    assert report.max_score_change == expected


def test_score_svd_rank_one_and_relative_cut():
    """Rank one works (one singular value); the cut rtol·s₁ is relative to the largest s:
    s = (10⁶, 10⁻³, 10⁻¹²) keeps two at rtol = 10⁻¹⁰ (cut 10⁻⁴)."""
    P, Q = _exact_factors(s=(2.0,))
    assert score_svd(P, Q).s.shape == (1,)
    P, Q = _exact_factors(s=(1e6, 1e-3, 1e-12))
    svd = score_svd(P, Q)
    assert_allclose(svd.s, [1e6, 1e-3], rtol=1e-6)


@pytest.mark.parametrize("kwargs, ok", [
    (dict(n_neighbours=1), True), (dict(n_neighbours=19), True), (dict(n_neighbours=20), False),
    (dict(n_neighbours=0), False), (dict(n_pairs=0), True), (dict(n_pairs=-1), False),
    (dict(block_size=1), True), (dict(block_size=0), False), (dict(max_condition=1.0), True),
    (dict(max_condition=0.5), False), (dict(max_condition=1e9), False), (dict(n_probes=0), True),
    (dict(n_probes=-1), False),
])
def test_parameter_boundaries(kwargs, ok):
    P, Q = _exact_factors()
    args = {"n_neighbours": 3, "n_probes": 0, **kwargs}
    name = next(iter(kwargs))
    if ok:
        assert diagnose(P, Q, **args).n_items == 20
    else:
        with pytest.raises(ValueError, match=f"^{name} must"):
            diagnose(P, Q, **args)


def test_two_items_are_enough():
    P, Q = _exact_factors(s=(2.0, 1.0), p=2)
    assert diagnose(P, Q, n_neighbours=1, n_probes=0).n_items == 2
    P1, Q1 = _exact_factors(s=(2.0,), p=1)
    with pytest.raises(ValueError, match="^Q must have at least 2 items \\(rows\\), got 1$"):
        diagnose(P1, Q1, n_neighbours=1)
    with pytest.raises(ValueError, match="^P must be 2-D"):
        diagnose(np.ones(3), Q)
    with pytest.raises(ValueError, match="^Q must be 2-D"):
        diagnose(P, np.ones(3))


# ------------------------------------------- every field of a report, by independent computations

def _brute_neighbours(E, n):
    """Top-n cosine neighbours of every row, ties by the smaller index, from the full matrix."""
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    C = U @ U.T
    np.fill_diagonal(C, -np.inf)
    return [set(np.argsort(-C[i], kind="stable")[:n].tolist()) for i in range(len(E))]


def _brute_cos(E):
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    return U @ U.T


def test_every_field_of_a_report():
    """Each field of DiagnosticReport against a computation that does not use diagnose's helpers."""
    from cossim.beyond.diagnostic import SCOPE_NOTE, _sample_users, _score_change

    P, Q = _exact_factors(s=(4.0, 2.0, 1.0), n=40, p=24, gamma0=0.3)
    gammas = [0.0, 0.25, 0.5, 1.0]
    n, kappa = 3, 7.0
    rep = diagnose(P, Q, gammas=gammas, n_neighbours=n, n_pairs=4, block_size=5,
                   max_condition=kappa, n_probes=2, seed=5)
    # plain Python types throughout (the report is JSON-ready)
    assert (rep.n_users, rep.n_items, rep.k, rep.rank, rep.n_neighbours) == (40, 24, 3, 3, 3)
    assert all(type(v) is int for v in (rep.n_users, rep.n_items, rep.k, rep.rank, rep.union_size_max))
    assert_allclose(rep.singular_values, [4.0, 2.0, 1.0], rtol=1e-12)
    assert all(type(x) is float for x in rep.singular_values)
    assert rep.gammas == gammas
    # the members V S^γ (any orthonormal V spanning the same space gives the same cosines)
    V = np.linalg.qr(Q)[0]
    Ug, s, Vt = np.linalg.svd(np.linalg.qr(P)[1] @ np.linalg.qr(Q)[1].T)
    V = V @ Vt.T
    members = [V * s**g for g in gammas]
    N_given, N_half = _brute_neighbours(Q, n), _brute_neighbours(V * s**0.5, n)
    Ns = [_brute_neighbours(M, n) for M in members]
    want_given = [np.mean([len(a & b) / n for a, b in zip(N, N_given)]) for N in Ns]
    want_half = [np.mean([len(a & b) / n for a, b in zip(N, N_half)]) for N in Ns]
    assert_allclose(rep.overlap_with_given, want_given, rtol=1e-15)
    assert_allclose(rep.overlap_with_balanced, want_half, rtol=1e-15)
    best = int(np.argmax(want_given))
    assert rep.best_gamma_for_given == gammas[best]
    assert rep.best_overlap_with_given == rep.overlap_with_given[best]
    C_given = _brute_cos(Q)
    change = [np.abs(_brute_cos(M) - C_given).max() for M in members]
    assert_allclose(rep.cos_change_with_given, change, rtol=1e-10, atol=1e-14)
    assert rep.min_cos_gap_to_family == min(rep.cos_change_with_given)
    assert rep.gamma_max_cos_swing == max(rep.cos_change_with_given)
    assert_allclose(rep.gamma_condition, 4.0 ** np.abs(np.array(gammas) - 0.3), rtol=1e-10)
    union = [len(set().union(*(N[i] for N in Ns))) for i in range(24)]
    stable = [len(set.intersection(*(N[i] for N in Ns))) / n for i in range(24)]
    assert rep.item_union_size == union and rep.item_stable_fraction == pytest.approx(stable, abs=0)
    assert rep.union_size_max == max(union) and rep.union_size_mean == pytest.approx(np.mean(union))
    assert rep.stable_fraction_min == min(stable)
    assert rep.stable_fraction_mean == pytest.approx(np.mean(stable), rel=1e-15)
    assert rep.most_variable_items == sorted(range(24), key=lambda i: (-union[i], i))[:10]
    want_pairs = _brute_pairs([M / np.linalg.norm(M, axis=1, keepdims=True) for M in members],
                              np.array(gammas), 4)
    assert [(q["i"], q["j"]) for q in rep.most_variable_pairs] == [(i, j) for _, i, j, *_ in want_pairs]
    users = _sample_users(40, 5)
    assert rep.max_score_change == _score_change(P, Q, score_svd(P, Q), np.array(gammas), users)
    scale = 3 * np.finfo(float).eps * np.linalg.norm(P, 2) * np.linalg.norm(Q, 2)
    assert_allclose(rep.score_change_bound, (2 * np.sqrt(3) + 2) * scale, rtol=1e-12)
    assert_allclose(rep.probe_score_change_bound, (2 * np.sqrt(3) + 2) * kappa * scale, rtol=1e-12)
    assert (rep.max_condition, rep.n_probes, rep.seed) == (kappa, 2, 5)
    assert set(rep.probes) == {"diagonal", "general"}
    assert rep.probes["diagonal"]["condition"] == kappa
    assert rep.probe_max_score_change == max(r["max_score_change"] for r in rep.probes.values())
    assert rep.scope == SCOPE_NOTE


def test_report_without_probes():
    """n_probes = 0: no probes, and their largest score change is exactly 0.0 (a float)."""
    P, Q = _exact_factors()
    rep = diagnose(P, Q, n_neighbours=3, n_probes=0, max_condition=3.0, seed=2)
    assert rep.probes == {} and rep.probe_max_score_change == 0.0
    assert type(rep.probe_max_score_change) is float
    assert (rep.max_condition, rep.seed, rep.n_probes) == (3.0, 2, 0)
    json.loads(rep.to_json())


def test_most_variable_items_ties_by_smaller_index():
    """Many items share a union size; the ten listed are the largest unions, ties by index."""
    P, Q = _factors(p=40)
    rep = diagnose(P, Q, gammas=[0.0, 0.5, 1.0], n_neighbours=2, n_probes=0)
    u = rep.item_union_size
    assert len(set(u)) < 10  # ties are certain
    assert rep.most_variable_items == sorted(range(40), key=lambda i: (-u[i], i))[:10]
    few = diagnose(*_factors(p=6), n_neighbours=2, n_probes=0)
    assert sorted(few.most_variable_items) == list(range(6))  # min(10, p) items


def test_score_change_is_on_the_sampled_users_only():
    """500 users, 200 sampled: the reported change is the max over exactly those users."""
    P, Q = _factors(n=500, p=10, k=3, seed=6)
    rep = diagnose(P, Q, gammas=[0.0, 1.0], n_neighbours=2, n_probes=0, seed=1)
    svd = score_svd(P, Q)
    users = np.random.default_rng(1).integers(0, 500, size=200)

    def change(rows):
        base = P[rows] @ Q.T
        return max(float(np.abs((svd.U[rows] * svd.s ** (1 - g)) @ (svd.V * svd.s**g).T - base).max())
                   for g in (0.0, 1.0))
    assert rep.max_score_change == change(users)
    assert rep.max_score_change != change(np.arange(500))  # the sample matters in this case


def test_two_gammas_are_enough():
    P, Q = _exact_factors()
    assert diagnose(P, Q, gammas=[0.0, 1.0], n_neighbours=3, n_probes=0).gammas == [0.0, 1.0]


def test_parameters_are_validated_before_any_computation():
    """A bad parameter is reported even when the factors would fail later (zero scores)."""
    P, Q = np.zeros((6, 2)), np.ones((5, 2))
    for kwargs, name in [(dict(n_neighbours=0), "n_neighbours"), (dict(n_neighbours=5), "n_neighbours"),
                         (dict(n_neighbours=6), "n_neighbours"), (dict(block_size=0), "block_size"),
                         (dict(n_probes=-1), "n_probes"), (dict(n_pairs=-1), "n_pairs"),
                         (dict(seed=-1), "seed"), (dict(max_condition=0.5), "max_condition")]:
        with pytest.raises(InvalidValue, match=f"^{name} must satisfy"):
            diagnose(P, Q, **{"n_neighbours": 2, **kwargs})
    with pytest.raises(InvalidValue, match="zero matrix"):
        diagnose(P, Q, n_neighbours=4)  # the largest valid n_neighbours passes to the SVD


def test_the_block_size_reaches_every_blockwise_step(monkeypatch):
    """block_size (default 1024) is passed to the neighbour lists, the cosine changes and the probes."""
    seen = {"top_k": set(), "change": set(), "probe": set()}
    real_top, real_change, real_probe = D.top_k_neighbours, D.max_cosine_change, D.probe_family

    def top(E, n, block_size=None):
        seen["top_k"].add(block_size)
        return real_top(E, n, block_size=block_size)

    def change(E, members, block=-1, **kw):
        seen["change"].add(block)
        return real_change(E, members, block, **kw)

    def probe(*args, block=-1, **kw):
        seen["probe"].add(block)
        return real_probe(*args, block=block, **kw)
    monkeypatch.setattr(D, "top_k_neighbours", top)
    monkeypatch.setattr(D, "max_cosine_change", change)
    monkeypatch.setattr(D, "probe_family", probe)
    P, Q = _factors(p=12)
    D.diagnose(P, Q, n_neighbours=2, block_size=5, n_probes=1)
    assert seen == {"top_k": {5}, "change": {5}, "probe": {5}}
    for v in seen.values():
        v.clear()
    D.diagnose(P, Q, n_neighbours=2, n_probes=1)
    assert seen == {"top_k": {1024}, "change": {1024}, "probe": {1024}}


def test_score_svd_cut_is_strict():
    """A singular value exactly at rtol · s₁ is dropped, and rtol = 0 drops exact zeros."""
    P, Q = np.diag([4.0, 1.0]), np.eye(2)
    assert_allclose(score_svd(P, Q, rtol=0.25).s, [4.0], rtol=0)
    assert_allclose(score_svd(P, Q, rtol=0.2499).s, [4.0, 1.0], rtol=0)
    assert_allclose(score_svd(np.diag([1.0, 0.0]), Q, rtol=0.0).s, [1.0], rtol=0)


@pytest.mark.parametrize("block", [1, 2, 3, 7])
def test_ties_at_the_cut_go_to_the_smaller_index(block):
    """Items 0 and 1 coincide, so (0, j) and (1, j) tie exactly: every n_pairs, even one that
    cuts between two tied pairs, lists the pairs by decreasing range, ties by (i, j)."""
    Qs, gammas = _members()
    for n_pairs in range(1, 23):
        got = _most_variable_pairs(Qs, gammas, n_pairs, block)
        assert [(q["i"], q["j"]) for q in got] == [(i, j) for _, i, j, *_ in _brute_pairs(Qs, gammas, n_pairs)]


def test_equal_ranges_with_the_same_i_are_ordered_by_j():
    """Pairs (0, 1) and (0, 2) both range over 1 (cosines {1, 0} and {0, −1}): (0, 1) first."""
    E0 = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    E1 = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    for block in (1, 3):
        got = _most_variable_pairs([E0, E1], np.array([0.0, 1.0]), 2, block)
        assert [(q["i"], q["j"], q["cos_min"]) for q in got] == [(0, 1, 0.0), (0, 2, -1.0)]


def test_a_single_member_moves_no_pair():
    """One γ: every range is 0, so the pairs are the first ones by index."""
    Qs, gammas = _members(duplicate=False)
    got = _most_variable_pairs(Qs[:1], gammas[:1], 3, 2)
    assert [(q["i"], q["j"], q["cos_range"]) for q in got] == [(0, 1, 0.0), (0, 2, 0.0), (0, 3, 0.0)]


def test_equal_ranges_are_ordered_by_i_then_j():
    """Pairs (0, 1), (0, 3), (1, 2), (2, 3) all range over 1 (cosine 1, then 0): listed by (i, j),
    not by j, in one block or in blocks of one row."""
    E0 = np.tile([1.0, 0.0], (4, 1))
    E1 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    for block in (1, 4):
        got = _most_variable_pairs([E0, E1], np.array([0.0, 1.0]), 4, block)
        assert [(q["i"], q["j"]) for q in got] == [(0, 1), (0, 3), (1, 2), (2, 3)]


# ------------------------------------- the fused sweep equals the straightforward computation

def _stacked_block_pairs(Qs, gammas, a, b, n_pairs):
    """The pair selection as first written: every member's cosines stacked, then min/max/arg*."""
    C = np.stack([E[a:b] @ E.T for E in Qs])
    p = C.shape[2]
    lo, hi = C.min(axis=0), C.max(axis=0)
    glo, ghi = C.argmin(axis=0), C.argmax(axis=0)
    rng = hi - lo
    rng[np.arange(p)[None, :] <= np.arange(a, b)[:, None]] = -np.inf
    order = sorted(((float(rng[r, j]), a + r, j) for r in range(b - a) for j in range(p)
                    if np.isfinite(rng[r, j])), key=lambda t: (-t[0], t[1], t[2]))[:n_pairs]
    return [(x, i, j, float(lo[i - a, j]), float(hi[i - a, j]), float(gammas[glo[i - a, j]]),
             float(gammas[ghi[i - a, j]])) for x, i, j in order]


@pytest.mark.parametrize("block", [1, 3, 7, 50])
@pytest.mark.parametrize("zero_row", [False, True])
def test_running_ranges_equal_the_stacked_ones_bit_for_bit(block, zero_row):
    """Running min/max with the first γ attaining them = min/max/argmin/argmax of the stack,
    values compared by repr (signed zeros included), ties (duplicate rows) included."""
    Qs, gammas = _members()
    if zero_row:
        Qs = [E.copy() for E in Qs]
        for E in Qs:
            E[4] = 0.0
    for a in range(0, 7, block):
        b = min(a + block, 7)
        for n_pairs in (1, 4, 30):
            assert repr(_block_pairs(Qs, gammas, a, b, n_pairs)) == \
                repr(_stacked_block_pairs(Qs, gammas, a, b, n_pairs))


@pytest.mark.parametrize("n_pairs", [0, 3, 40])
def test_diagnose_pairs_and_changes_equal_the_separate_computations(n_pairs):
    """diagnose forms each member's cosines once for the changes and the pair ranges: the
    result is max_cosine_change and _most_variable_pairs computed separately, exactly."""
    rng = np.random.default_rng(5)
    P, Q = rng.standard_normal((40, 4)), rng.standard_normal((30, 4))
    Q[2] = 0.0
    Q[9] = Q[8]
    gammas = np.linspace(0.0, 1.0, 6)
    for block in (4, 1024):
        r = D.diagnose(P, Q, gammas=gammas, n_neighbours=3, n_pairs=n_pairs, block_size=block,
                       n_probes=0)
        svd = D.score_svd(P, Q)
        Es = [unit_rows(svd.V * svd.s**g)[0] for g in gammas]
        want_change = [c[0] for c in PR.max_cosine_change(unit_rows(Q)[0], Es, block)]
        assert repr(r.cos_change_with_given) == repr(want_change)
        assert repr(r.most_variable_pairs) == repr(_most_variable_pairs(Es, gammas, n_pairs,
                                                                           block))


def test_max_cosine_change_hands_every_member_block_to_each():
    rng = np.random.default_rng(0)
    E = unit_rows(rng.standard_normal((9, 3)))[0]
    Fs = [unit_rows(rng.standard_normal((9, 3)))[0] for _ in range(2)]
    seen = []
    got = PR.max_cosine_change(E, Fs, 4, each=lambda a, m, C: seen.append((a, m, C.copy())))
    assert got == PR.max_cosine_change(E, Fs, 4)
    assert [(a, m) for a, m, _ in seen] == [(0, 0), (0, 1), (4, 0), (4, 1), (8, 0), (8, 1)]
    for a, m, C in seen:
        assert np.array_equal(C, Fs[m][a:a + 4] @ Fs[m].T)


def test_the_balanced_lists_are_reused_only_for_the_same_array(monkeypatch):
    """γ = ½ on the grid: its neighbour lists serve as N_half (13 → 12 lists for 11 γ); off
    the grid N_half is computed. Either way it equals the lists of V √S."""
    P, Q = _factors(p=25)
    real = D.top_k_neighbours
    calls = _spy_on_neighbour_lists(monkeypatch)
    svd = D.score_svd(P, Q)
    want = real(svd.V * np.sqrt(svd.s), 3)
    for gammas, n_calls in ((np.linspace(0.0, 1.0, 11), 12), (np.linspace(0.0, 1.0, 4), 6)):
        calls.clear()
        _, N, _, N_half = D._neighbour_sets(Q, svd, gammas, 3, 1024)
        assert len(calls) == n_calls and np.array_equal(N_half, want)
    r = D.diagnose(P, Q, n_neighbours=3, n_probes=0)
    assert r.overlap_with_balanced[5] == 1.0
