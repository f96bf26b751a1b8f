"""``python -m cossim figure1``: Figure 1 on simulated data or on the user's own X and labels.

The command checks its input, runs :func:`cossim.figure1.pipeline.run_figure1`
(or :func:`~cossim.figure1.pipeline.simulate_figure1`), and only then writes
``figure1.png`` and ``figure1.json``, each atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .._validation import InvalidType, InvalidValue, as_matrix, check_rank
from ..figure1.panels import PANEL_RECORDS
from ..figure1.pipeline import (
    MAX_ITEMS,
    PAPER_PARAMETERS,
    check_figure1_labels,
    figure1_json,
    run_figure1,
    simulate_figure1,
)
from .args import integer, non_negative_real
from .errors import CLIError
from .io import atomic_write, ensure_output_dir, load_array, load_sparse_matrix, sha256_file

__all__ = ["HELP", "MAX_SIMULATED_ENTRIES", "add_parser", "run"]

#: Largest n·p the command simulates (with k_u ≤ p about a third of the
#: entries are interactions, and X is held in memory).
MAX_SIMULATED_ENTRIES = 300_000_000


def _panel_lines() -> str:
    """The panel list of the help, one entry per :class:`~cossim.figure1.panels.Panel` record."""
    lines = []
    for panel in PANEL_RECORDS:
        line = f"  {panel.name:<13} {panel.formula}"
        if panel.source is not None:
            source = f"[{panel.source}]"
            # right-aligned at column 78: on the same line if it fits, else below
            line += source.rjust(78 - len(line)) if len(line) + 2 + len(source) <= 78 else \
                "\n" + source.rjust(78)
        lines.append(line)
    return "\n".join(lines)


HELP = f"""\
Figure 1 of Steck, Ekanadham & Kallus (2024): item-item cosine similarity of
the same data under five modelling choices, with cluster-recovery scores.

Data. Without --data: simulated as in the paper's Section 4 (cossim.simulate
with its documented defaults; n = --users, p = --items, C = --clusters,
--seed; every setting is recorded in figure1.json under
parameters.simulation). With --data X.npz --labels y.npy: X is a users x
items matrix saved with scipy.sparse.save_npz, values used as given (not
centred or binarised); y.npy holds one integer label per item (np.save, no
pickles).

Model. sigma, V_k = top-k singular values / right singular vectors of X
(k = --rank), m_i = 1 / (1 + lam1 / sigma_i^2). Panels, in this order
(each definition is also written to figure1.json, as "formula (source)"):
{_panel_lines()}
cos(B,B)[i,j] = <b_i, b_j> / (|b_i| |b_j|); an all-zero row b_i gives 0.

Scores per panel. auc: ROC-AUC of S[i,j] over all item pairs i < j, pairs
with label[i] == label[j] positive, ties counted 1/2 (Mann-Whitney with mid-
ranks). neighbour_purity: for each item, the share of its --neighbours most
similar other items (ties broken by the smaller index) with its own label,
averaged over items.

Display. Items sorted by label, then by descending popularity (simulated:
the baseline popularity p_i; --data: the column sums of X), ties by index.
One colour scale for all panels: viridis on [-1, 1].

Output. DIR/figure1.png and DIR/figure1.json = {{"parameters": {{...}},
"panels": [{{"name": ..., "auc": ..., "neighbour_purity": ...,
"nonzero_columns_of_B": ..., "definition": ...}}, ...]}} with keys sorted
and floats rounded to 6 decimals (identical bytes for identical input).
Bad input: exit status 2, one line on stderr, no files written. An internal
error (a bug in cossim): exit status 3 (COSSIM_DEBUG=1 shows the traceback).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``python -m cossim figure1``."""
    parser = subparsers.add_parser(
        "figure1", help="Figure 1 of the paper (simulated data, or your own X and labels)",
        description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output folder (created if missing)")
    parser.add_argument("--data", metavar="X.npz", help="users x items matrix (scipy.sparse.save_npz)")
    parser.add_argument("--labels", metavar="y.npy", help="one integer label per item (numpy.save)")
    # defaults of the simulated run are applied in _simulation_sizes: None tells that the
    # user did not give the option (which is an error with --data)
    paper = PAPER_PARAMETERS
    parser.add_argument("--users", type=integer("--users", 1), default=None,
                        help=f"simulated users n (default {paper['n_users']})")
    parser.add_argument("--items", type=integer("--items", 1), default=None,
                        help=f"simulated items p (default {paper['n_items']}, at most {MAX_ITEMS})")
    parser.add_argument("--clusters", type=integer("--clusters", 1), default=None,
                        help=f"simulated clusters C (default {paper['n_clusters']})")
    parser.add_argument("--seed", type=integer("--seed", 0), default=None,
                        help="seed of the simulation (default 0)")
    parser.add_argument("--rank", type=integer("--rank", 1), default=paper["rank"],
                        help=f"rank k of both fits (default {paper['rank']})")
    parser.add_argument("--lam1", type=non_negative_real("--lam1"), default=paper["lam1"],
                        help=f"lambda of Eq. (1) (default {paper['lam1']:g})")
    parser.add_argument("--lam2", type=non_negative_real("--lam2"), default=paper["lam2"],
                        help=f"lambda of Eq. (2) (default {paper['lam2']:g})")
    parser.add_argument("--neighbours", type=integer("--neighbours", 1), default=10,
                        help="neighbours per item for neighbour_purity (default 10)")
    parser.set_defaults(func=run)
    return parser


def run(args) -> None:
    """Body of ``python -m cossim figure1``: check, compute, then write both files atomically."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a directory")
    common = dict(rank=args.rank, lam1=args.lam1, lam2=args.lam2, n_neighbours=args.neighbours)
    if args.data is not None or args.labels is not None:
        result = _run_on_files(args, common)
    else:
        n_users, n_items, n_clusters, seed = _simulation_sizes(args)
        result = simulate_figure1(n_users, n_items, n_clusters, seed=seed, **common)
    _write_outputs(out, result)


def _run_on_files(args, common: dict):
    """--data X.npz --labels y.npy: check every option against the data, then run."""
    if args.data is None or args.labels is None:
        raise CLIError("--data and --labels must be given together")
    given = [flag for flag, value in (("--users", args.users), ("--items", args.items),
                                      ("--clusters", args.clusters), ("--seed", args.seed))
             if value is not None]
    if given:
        raise CLIError(f"{', '.join(given)} only apply to simulated data, not with --data")
    X, y = _load_user_data(args.data, args.labels)
    p = X.shape[1]
    if p > MAX_ITEMS:
        raise CLIError(f"--data has {p} items; figure1 accepts at most {MAX_ITEMS}")
    check_rank(args.rank, p, "--rank")
    if args.neighbours > p - 1:
        raise CLIError(f"--neighbours must be <= items - 1 ({p - 1}), got {args.neighbours}")
    params = {"source": "file", "data_sha256": sha256_file(args.data),
              "labels_sha256": sha256_file(args.labels)}
    return run_figure1(X, y, None, parameters=params, **common)


def _load_user_data(data_path, labels_path):
    """Read --data and --labels; every problem becomes a one-line CLIError."""
    X = load_sparse_matrix(data_path, "--data")
    y = load_array(labels_path, "--labels")
    try:
        X = as_matrix(X, "--data")
        y = check_figure1_labels(y, X.shape[1], "--labels")
    except (InvalidType, InvalidValue) as exc:
        raise CLIError(str(exc)) from None
    return X, y


def _simulation_sizes(args) -> tuple:
    """n, p, C and the seed of a simulated run (the paper's values by default), checked."""
    n_users = PAPER_PARAMETERS["n_users"] if args.users is None else args.users
    n_items = PAPER_PARAMETERS["n_items"] if args.items is None else args.items
    n_clusters = PAPER_PARAMETERS["n_clusters"] if args.clusters is None else args.clusters
    seed = 0 if args.seed is None else args.seed
    if n_items < 2:
        raise CLIError(f"--items must be >= 2, got {n_items}")
    if n_items > MAX_ITEMS:
        raise CLIError(f"--items must be <= {MAX_ITEMS}, got {n_items}")
    if not 2 <= n_clusters < n_items:
        raise CLIError(f"--clusters must satisfy 2 <= C < items ({n_items}), got {n_clusters}")
    if args.rank > n_items:
        raise CLIError(f"--rank must satisfy 1 <= rank <= items ({n_items}), got {args.rank}")
    if n_users * n_items > MAX_SIMULATED_ENTRIES:
        raise CLIError(f"--users x --items must be <= {MAX_SIMULATED_ENTRIES:.0e} (about a third "
                       f"of the entries are interactions), got {n_users * n_items:.2e}")
    if args.neighbours > n_items - 1:
        raise CLIError(f"--neighbours must be <= items - 1 ({n_items - 1}), got {args.neighbours}")
    return n_users, n_items, n_clusters, seed


def _write_outputs(out: Path, result) -> None:
    """Render both files in memory first, so that a failure leaves no partial output."""
    from ..figure1.plotting import figure_png, plot_figure1

    png = figure_png(plot_figure1(result), dpi=110)
    text = figure1_json(result)
    out = ensure_output_dir(out)
    with atomic_write(out / "figure1.png", "wb") as handle:
        handle.write(png)
    with atomic_write(out / "figure1.json", "w") as handle:
        handle.write(text)
