"""``python -m cossim diagnose``: how arbitrary are the cosine similarities of given factors?

Reads user factors P and item factors Q, runs
:func:`cossim.beyond.diagnostic.diagnose` over the family
``P' = U S^{1−γ}, Q' = V S^γ`` (the rescaling D of Eq. (3) in the basis of
singular vectors), prints a short summary and writes ``diagnose.json`` and
``diagnose.png``.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..beyond.diagnostic import DEFAULT_MAX_CONDITION, diagnose, diagnostic_figure
from ..beyond.probes import MAX_CONDITION
from .args import integer, real_between
from .errors import CLIError
from .io import atomic_write, ensure_output_dir, load_factor, stable_json

__all__ = ["HELP", "DEPRECATED_OPTIONS", "add_parser", "run"]

#: Old spellings that still work, with a one-line note on stderr: in figure1, --users and
#: --items are counts, so diagnose names its files --user-factors and --item-factors.
DEPRECATED_OPTIONS = {"--users": "--user-factors", "--items": "--item-factors"}

HELP = """\
Explore factorisations with the same scores P Q^T (same predictions,
different cosines) and report how much item neighbourhoods change. An
objective that sees only P Q^T cannot tell (P M, Q M^-T) from (P, Q), for any
invertible k x k matrix M. Two parts of that freedom are explored: the
gamma-family P' = U S^(1-g), Q' = V S^g (U S V^T the SVD of P Q^T; g = 0 puts
the scale on the users, g = 1 on the items), and random probes M, diagonal and
general, of condition number --max-condition. Every number is attained with
the same scores, so it is a BOUND on how arbitrary the cosines are: an overlap
found is an upper bound on the worst overlap (the truth can be worse), a
cosine swing found a lower bound on the largest swing (it can be larger).
Models with separate penalties on P and Q (Eq. (2)) do not have this freedom.

Input. --user-factors P.npy (n x k) and --item-factors Q.npy (p x k), finite
real arrays saved with numpy.save, e.g. numpy.save('Q.npy', model_item_matrix).
(--users and --items are deprecated spellings of these two options.)

Output. DIR/diagnose.png and DIR/diagnose.json, with keys sorted and floats
rounded to 6 decimals. "Overlap" is the mean over items of the share of an
item's top-N cosine neighbours that are also its top-N under the given Q.
  n_users, n_items, k     shapes of P and Q
  rank                    rank of P Q^T (number of singular values S kept)
  singular_values         the singular values S of P Q^T
  gammas                  the exponents g, evenly spaced in [0, 1] (--gammas)
  n_neighbours            N, size of the neighbour sets (--neighbours)
  overlap_with_given      per g: overlap of Q'_g with the given Q (its
                          minimum bounds the worst overlap from above)
  overlap_with_balanced   per g: the same against g = 1/2
  best_gamma_for_given    the g whose neighbours agree most with the given Q
  best_overlap_with_given that overlap; below 1, Q is no member on the grid
  cos_change_with_given   per g: largest |cos_g(i,j) - cos_Q(i,j)| over pairs
  min_cos_gap_to_family   its minimum over g (rounding level for a member)
  gamma_max_cos_swing     its maximum over g (a lower bound on the largest
                          cosine swing)
  gamma_condition         per g: condition number of the map C with
                          Q C = Q'_g (how far the member is from Q)
  stable_fraction_mean    mean over items of the share of the top-N kept for
                          every g; stable_fraction_min: its minimum
  union_size_mean         mean over items of the number of distinct
                          neighbours seen over all g; union_size_max: maximum
  item_union_size         that number, per item
  item_stable_fraction    the share kept for every g, per item
  most_variable_items     the items with the largest union
  most_variable_pairs     the --pairs item pairs whose cosine moves most over
                          g: i, j, cos_range, cos_min, cos_max, gamma_at_min,
                          gamma_at_max
  max_score_change        largest |P'Q'^T - P Q^T| over g on sampled users;
  score_change_bound      its rounding bound (2 sqrt(k) + 2) k eps |P|_2 |Q|_2
  max_condition           kappa, the condition number of every probe M
  n_probes, seed          probes per kind (--probes) and their seed (--seed)
  probes                  per kind ("diagonal": M = D as in Eq. (3);
                          "general": any M): condition, n_probes, overlaps
                          (per probe), worst_overlap (an upper bound on the
                          worst overlap at condition <= kappa),
                          max_cos_swing (a lower bound on the largest swing
                          at condition <= kappa), swing_pair (i, j,
                          cos_given, cos_probe), max_score_change
  probe_max_score_change  largest |(P M)(Q M^-T)^T - P Q^T| over all probes;
  probe_score_change_bound  its rounding bound, kappa times the one above
  scope                   what this diagnostic covers
Why g in [0, 1]: these are the splits between all scale on the users and all
on the items; g outside [0, 1] is just as valid for such objectives, so a
wider range (--gammas counts points in [0, 1] only; use cossim.diagnose for
others) can only move neighbourhoods more.
On success a short summary goes to stdout (--quiet: nothing). Bad input: exit
status 2, one line on stderr. An internal error (a bug in cossim): exit
status 3 (COSSIM_DEBUG=1 shows the traceback).
"""


class _DeprecatedAlias(argparse.Action):
    """An old spelling of an option: stores into the new option's place and remembers the note.

    The notes are printed on stderr after a successful run, so that a failed run still
    reports exactly one line.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        new = DEPRECATED_OPTIONS[option_string]
        notes = list(getattr(namespace, "deprecation_notes", None) or [])
        notes.append(f"note: diagnose {option_string} is deprecated, use {new} (the same file)")
        namespace.deprecation_notes = notes
        setattr(namespace, self.dest, values)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``python -m cossim diagnose``."""
    parser = subparsers.add_parser(
        "diagnose",
        help="how arbitrary are the cosine similarities of given factors P, Q?",
        description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--user-factors", dest="user_factors", metavar="P.npy",
                        help="user factors, a (n, k) array saved with numpy.save (required)")
    parser.add_argument("--item-factors", dest="item_factors", metavar="Q.npy",
                        help="item factors, a (p, k) array saved with numpy.save (required)")
    # the old spellings, hidden from --help
    parser.add_argument("--users", dest="user_factors", action=_DeprecatedAlias,
                        help=argparse.SUPPRESS)
    parser.add_argument("--items", dest="item_factors", action=_DeprecatedAlias,
                        help=argparse.SUPPRESS)
    parser.add_argument("--out", default="diagnose_out", metavar="DIR",
                        help="output folder for diagnose.json and diagnose.png "
                        "(default: ./diagnose_out)")
    parser.add_argument("--neighbours", type=integer("--neighbours", 1), default=10, metavar="N",
                        help="size of the nearest-neighbour sets (default 10)")
    parser.add_argument("--gammas", type=integer("--gammas", 2), default=11, metavar="G",
                        help="number of exponents gamma in [0, 1] (default 11)")
    parser.add_argument("--pairs", type=integer("--pairs", 0), default=10, metavar="M",
                        help="how many most-variable item pairs to report (default 10)")
    parser.add_argument("--max-condition", dest="max_condition",
                        type=real_between("--max-condition", 1.0, MAX_CONDITION),
                        default=DEFAULT_MAX_CONDITION, metavar="K",
                        help=f"condition number of the random probes M, between 1 and "
                        f"{MAX_CONDITION:g} (default {DEFAULT_MAX_CONDITION:g})")
    parser.add_argument("--probes", type=integer("--probes", 0), default=8, metavar="R",
                        help="random probes M of each kind, diagonal and general; 0 skips "
                        "them (default 8)")
    parser.add_argument("--seed", type=integer("--seed", 0), default=0, metavar="S",
                        help="seed of the probes and of the sampled users (default 0)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.set_defaults(func=run)
    return parser


def _load_factors(args) -> tuple:
    """P and Q, checked against each other and against --neighbours."""
    missing = [option for option, value in (("--user-factors", args.user_factors),
                                            ("--item-factors", args.item_factors))
               if value is None]
    if missing:
        raise CLIError(f"the following arguments are required: {', '.join(missing)} (the "
                       f"factors as .npy files: numpy.save('P.npy', P); numpy.save('Q.npy', Q))")
    P = load_factor(args.user_factors, "--user-factors")
    Q = load_factor(args.item_factors, "--item-factors")
    if P.shape[1] != Q.shape[1]:
        raise CLIError(f"--user-factors has k={P.shape[1]} columns but --item-factors has "
                       f"k={Q.shape[1]}: both must have one column per latent dimension, in "
                       f"the same order")
    if not 1 <= args.neighbours <= Q.shape[0] - 1:
        raise CLIError(f"--neighbours must be between 1 and {Q.shape[0] - 1} (items - 1), "
                       f"got {args.neighbours}")
    _check_scores_nonzero(P, Q)
    return P, Q


def _check_scores_nonzero(P, Q) -> None:
    """Scores P Qᵀ that are zero (to rounding) leave nothing to diagnose: the input's fault.

    ``‖P Qᵀ‖²_F = Σ (PᵀP) ∘ (QᵀQ)`` from two k × k Gram matrices, so the
    n × p score matrix is never formed; "zero" means ``‖P Qᵀ‖_F <= 1e-10 ‖P‖_F ‖Q‖_F``.
    """
    squared = float(((P.T @ P) * (Q.T @ Q)).sum())
    if squared <= 1e-20 * float(np.sum(P * P)) * float(np.sum(Q * Q)):
        raise CLIError("--user-factors and --item-factors give all-zero scores P Q^T: there is "
                       "nothing to diagnose; check that they are the trained factors")


def run(args) -> None:
    """Body of ``python -m cossim diagnose``: check, compute, write, summarise."""
    P, Q = _load_factors(args)
    out = ensure_output_dir(args.out)
    report = diagnose(P, Q, gammas=np.linspace(0.0, 1.0, args.gammas),
                      n_neighbours=args.neighbours, n_pairs=args.pairs,
                      max_condition=args.max_condition, n_probes=args.probes, seed=args.seed)
    _write_outputs(out, report)
    for note in getattr(args, "deprecation_notes", None) or ():
        print(note, file=sys.stderr)
    if not args.quiet:
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
        handle.write(stable_json(report.to_dict()))


def _print_summary(out, report) -> None:
    # short lines (under 72 characters), so the output fits a narrow terminal
    nn = report.n_neighbours
    print(f"items {report.n_items}, users {report.n_users}, k {report.k}, rank {report.rank}")
    print(f"top-{nn} overlap with the given Q over gamma: "
          f"min {min(report.overlap_with_given):.3f}, max {max(report.overlap_with_given):.3f}")
    print(f"best-matching gamma: {report.best_gamma_for_given:g} "
          f"(overlap {report.best_overlap_with_given:.3f})")
    print(f"share of top-{nn} kept for every gamma: "
          f"mean {report.stable_fraction_mean:.3f}, min {report.stable_fraction_min:.3f}")
    for kind, probe in report.probes.items():
        print(f"{kind} M, condition {report.max_condition:g}: worst overlap "
              f"{probe['worst_overlap']:.3f}, cosine swing {probe['max_cos_swing']:.2f}")
    print("(overlaps: upper bounds on the worst; swings: lower bounds)")
    change = max(report.max_score_change, report.probe_max_score_change)
    print(f"largest score change: {change:.1e}")
    print(f"wrote {out / 'diagnose.json'}")
    print(f"  and {out / 'diagnose.png'}")
