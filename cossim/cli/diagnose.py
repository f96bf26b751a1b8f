"""``python -m cossim diagnose``: how arbitrary are the cosine similarities of given factors?

Reads user factors P and item factors Q, runs
:func:`cossim.beyond.diagnostic.diagnose` over the family
``P' = U S^{1−γ}, Q' = V S^γ`` (the rescaling D of Eq. (3) in the basis of
singular vectors), prints a short summary and writes ``diagnose.json`` and
``diagnose.png``.
"""

from __future__ import annotations

import argparse

import numpy as np

from ..beyond.diagnostic import diagnose, diagnostic_figure
from .args import integer
from .errors import CLIError
from .io import atomic_write, ensure_output_dir, load_factor

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``python -m cossim diagnose``."""
    parser = subparsers.add_parser(
        "diagnose",
        help="how arbitrary are the cosine similarities of given factors P, Q?",
        description="Span the factorisations P' = U S^(1-g), Q' = V S^g of the scores P Q^T "
        "(same predictions, different cosines) and report how much item neighbourhoods "
        "change. Scope: this is the freedom of objectives that depend only on P Q^T. "
        "Bad input: exit status 2; an internal error (a bug in cossim): exit status 3.",
    )
    parser.add_argument("--users", required=True, metavar="P.npy",
                        help="user factors, a (n, k) array saved with numpy.save")
    parser.add_argument("--items", required=True, metavar="Q.npy",
                        help="item factors, a (p, k) array saved with numpy.save")
    parser.add_argument("--out", default="diagnose_out", metavar="DIR",
                        help="output folder for diagnose.json and diagnose.png "
                        "(default: ./diagnose_out)")
    parser.add_argument("--neighbours", type=integer("--neighbours", 1), default=10, metavar="N",
                        help="size of the nearest-neighbour sets (default 10)")
    parser.add_argument("--gammas", type=integer("--gammas", 2), default=11, metavar="G",
                        help="number of exponents gamma in [0, 1] (default 11)")
    parser.add_argument("--pairs", type=integer("--pairs", 0), default=10, metavar="M",
                        help="how many most-variable item pairs to report (default 10)")
    parser.set_defaults(func=run)
    return parser


def _load_factors(args) -> tuple:
    """P and Q, checked against each other and against --neighbours."""
    P = load_factor(args.users, "--users")
    Q = load_factor(args.items, "--items")
    if P.shape[1] != Q.shape[1]:
        raise CLIError(f"--users has k={P.shape[1]} columns but --items has k={Q.shape[1]}")
    if not 1 <= args.neighbours <= Q.shape[0] - 1:
        raise CLIError(f"--neighbours must be between 1 and {Q.shape[0] - 1}, got {args.neighbours}")
    _check_scores_nonzero(P, Q)
    return P, Q


def _check_scores_nonzero(P, Q) -> None:
    """Scores P Qᵀ that are zero (to rounding) leave nothing to diagnose: the input's fault.

    ``‖P Qᵀ‖²_F = Σ (PᵀP) ∘ (QᵀQ)`` from two k × k Gram matrices, so the
    n × p score matrix is never formed; "zero" means ``‖P Qᵀ‖_F <= 1e-10 ‖P‖_F ‖Q‖_F``.
    """
    squared = float(((P.T @ P) * (Q.T @ Q)).sum())
    if squared <= 1e-20 * float(np.sum(P * P)) * float(np.sum(Q * Q)):
        raise CLIError("--users and --items give all-zero scores P Q^T: there is nothing to diagnose")


def run(args) -> None:
    """Body of ``python -m cossim diagnose``: check, compute, write, summarise."""
    P, Q = _load_factors(args)
    out = ensure_output_dir(args.out)
    report = diagnose(P, Q, gammas=np.linspace(0.0, 1.0, args.gammas),
                      n_neighbours=args.neighbours, n_pairs=args.pairs)
    _write_outputs(out, report)
    _print_summary(out, report)


def _write_outputs(out, report) -> None:
    import matplotlib

    matplotlib.use("Agg")  # headless: no display needed
    import matplotlib.pyplot as plt

    fig = diagnostic_figure(report)
    try:
        with atomic_write(out / "diagnose.png") as handle:
            fig.savefig(handle, format="png", dpi=120)
    finally:
        plt.close(fig)
    with atomic_write(out / "diagnose.json", "w") as handle:
        handle.write(report.to_json() + "\n")


def _print_summary(out, report) -> None:
    # short lines (under 72 characters), so the output fits a narrow terminal
    nn = report.n_neighbours
    print(f"items {report.n_items}, users {report.n_users}, k {report.k}, rank {report.rank}")
    print(f"top-{nn} overlap with the given Q over gamma: "
          f"min {min(report.overlap_with_given):.3f}, max {max(report.overlap_with_given):.3f}")
    print(f"best-matching gamma: {report.best_gamma_for_given:g}")
    print(f"share of top-{nn} kept for every gamma: "
          f"mean {report.stable_fraction_mean:.3f}, min {report.stable_fraction_min:.3f}")
    print(f"largest score change over gamma: {report.max_score_change:.1e}")
    print(f"wrote {out / 'diagnose.json'}")
    print(f"  and {out / 'diagnose.png'}")
