"""``python -m cossim figure1``: Figure 1 on simulated data or on the user's own X and labels.

The command checks its input, runs :func:`cossim.figure1.pipeline.run_figure1`
(or :func:`~cossim.figure1.pipeline.simulate_figure1`), and only then writes
``figure1.png`` and ``figure1.json``, each atomically.

Time (issue 16). While the numbers are computed, a second thread imports the
plotting module (matplotlib takes 0.3-0.5 s to import): the computation spends
most of its time in NumPy and BLAS calls that release the GIL, so on a machine
with a free core the import costs little wall time. The thread only imports;
the figure is drawn on the main thread once the thread has ended. BLAS runs on
one thread (:func:`blas_threads`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import threading
from functools import partial
from pathlib import Path

import numpy as np

from .._validation import InvalidType, InvalidValue, as_matrix, check_rank
from ..figure1.panels import PANEL_RECORDS
from ..figure1.pipeline import (
    MAX_ITEMS,
    PANELS,
    PAPER_PARAMETERS,
    check_figure1_labels,
    figure1_json,
    run_figure1,
    simulate_figure1,
)
from .args import integer, non_negative_real
from .errors import CLIError
from .io import (
    LABELS_HINT,
    SPARSE_HINT,
    atomic_write,
    ensure_output_dir,
    load_array,
    load_sparse_matrix,
    sha256_file,
)

__all__ = ["HELP", "MAX_SIMULATED_ENTRIES", "THREAD_VARIABLES", "TINY_SHRINKAGE", "add_parser",
           "blas_threads", "run", "setting_warnings"]

#: Largest n·p the command simulates (with k_u ≤ p about a third of the
#: entries are interactions, and X is held in memory).
MAX_SIMULATED_ENTRIES = 300_000_000

#: Below this largest shrinkage max m_i = σ₁²/(σ₁² + λ₁), --lam1 has shrunk every direction
#: to (almost) nothing, and the command warns.
TINY_SHRINKAGE = 1e-3

#: σ_i <= this × σ₁ counts as zero: X has numerical rank below --rank.
ZERO_SIGMA = 1e-10

#: zlib level of figure1.png: the same pixels as Pillow's default 6, about 3 % more bytes,
#: under half the encoding time.
PNG_COMPRESS_LEVEL = 4

#: The module that draws figure1.png (it imports matplotlib: 0.3-0.5 s).
PLOTTING = "cossim.figure1.plotting"

#: Environment variables that set the BLAS's threads; if one is set, the command leaves them be.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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

Choosing --rank, --lam1, --lam2 for other data. They act on the singular
values sigma_1 >= sigma_2 >= ... of X (figure1.json lists the top ten under
parameters.top_singular_values; scipy.sparse.linalg.svds(X, k) gives them
too). --rank: at most the numerical rank of X (the number of sigma_i > 0),
typically a few times the number of label groups. --lam1 acts on sigma^2
(m_i = sigma_i^2 / (sigma_i^2 + lam1)): pick it between sigma_k^2 and
sigma_1^2 so that some directions are kept and others shrunk. --lam2 acts on
sigma (direction i is kept only if sigma_i > lam2): pick it between sigma_k
and sigma_1. A setting outside these ranges that blanks a panel gets a
warning on stderr with the range for your data; the run still completes.

Display. Items sorted by label, then by descending popularity (simulated:
the baseline popularity p_i; --data: the column sums of X), ties by index.
One colour scale for all panels: viridis on [-1, 1].

Threads. The computation runs on one BLAS thread unless OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS or MKL_NUM_THREADS is set (steadier beside other busy
processes; the results do not depend on it).

Output. DIR/figure1.png and DIR/figure1.json, with keys sorted and floats
rounded to 6 decimals (identical bytes for identical input):
  parameters            every setting of the run: source (simulated or
                        file), users, items, labels (number of label
                        groups), rank, lam1, lam2, neighbours, popularity
                        (what orders the display), top_singular_values (the
                        top ten sigma_i of X); simulated data also: clusters,
                        seed, simulation (the simulator's settings); --data
                        also: data_sha256, labels_sha256
  panels                one object per panel, in the order above:
    name                the panel's name
    definition          its formula and source
    auc                 ROC-AUC of the panel (see Scores)
    neighbour_purity    own-label share of the nearest neighbours
    nonzero_columns_of_B  columns of B that are not zero (null for truth;
                        0 means the panel is blank)
On success the command prints each panel's AUC and the two files' paths on
stdout (--quiet: nothing). Bad input: exit status 2, one line on stderr, no
files written. An internal error (a bug in cossim): exit status 3
(COSSIM_DEBUG=1 shows the traceback).
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
                        help=f"rank k of both fits, at most the rank of X (default {paper['rank']})")
    parser.add_argument("--lam1", type=non_negative_real("--lam1"), default=paper["lam1"],
                        help=f"lambda of Eq. (1), acts on sigma^2 (default {paper['lam1']:g})")
    parser.add_argument("--lam2", type=non_negative_real("--lam2"), default=paper["lam2"],
                        help=f"lambda of Eq. (2), acts on sigma (default {paper['lam2']:g})")
    parser.add_argument("--neighbours", type=integer("--neighbours", 1), default=10,
                        help="neighbours per item for neighbour_purity (default 10)")
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing on success (warnings and errors still go to stderr)")
    parser.set_defaults(func=run)
    return parser


def run(args) -> None:
    """Body of ``python -m cossim figure1``: check, compute, then write both files atomically."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a directory")
    common = dict(rank=args.rank, lam1=args.lam1, lam2=args.lam2, n_neighbours=args.neighbours)
    if args.data is not None or args.labels is not None:
        X, y, params = _check_files(args)
        compute = partial(run_figure1, X, y, None, parameters=params, **common)
    else:
        n_users, n_items, n_clusters, seed = _simulation_sizes(args)
        compute = partial(simulate_figure1, n_users, n_items, n_clusters, seed=seed, **common)
    with blas_threads():
        # the input is valid: import matplotlib for the PNG while the numbers are computed
        plotting = threading.Thread(target=_import_quietly, args=(PLOTTING,), name="cossim-plotting")
        plotting.start()
        try:
            result = compute()
        finally:
            plotting.join()
    _write_outputs(out, result)
    # after the files are written, so that a failed run still prints exactly one line
    for warning in setting_warnings(result.sigma, args.rank, args.lam1, args.lam2):
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        _print_summary(out, result)


def blas_threads():
    """Context manager: one BLAS thread, unless the environment sets the thread count.

    The command's BLAS work (one XᵀX, one eigensolve, five small products) is a
    fraction of a second, and a second BLAS thread saves little of it on an
    idle machine; beside other busy processes, OpenBLAS's threads wait for
    each other and the same calls take many times longer. One thread keeps
    the command's time steady. Any of :data:`THREAD_VARIABLES` in the
    environment is the user's choice and is left alone. The numbers do not
    depend on it: XᵀX of 0/1 data is exact, and the rest is checked to print
    the same digits.
    """
    if any(os.environ.get(name) for name in THREAD_VARIABLES):
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _range(low: float, high: float) -> str:
    return f"{low:.3g}-{high:.3g}"


def setting_warnings(sigma, rank: int, lam1: float, lam2: float) -> list:
    """One-line warnings about settings that make a panel of Figure 1 degenerate.

    Parameters
    ----------
    sigma : array_like
        The top-`rank` singular values of X, in descending order.
    rank, lam1, lam2 : int, float, float
        The options --rank, --lam1 and --lam2 of the run.

    Returns
    -------
    list of str
        Empty for a usable setting; otherwise one message per problem, each
        with the numbers and a range for the option derived from `sigma`:
        --lam2 at or above σ₁ (Eq. (2)'s B is all zero, a blank panel), or
        at or above σ₂ (one direction left, so every cosine is ±1 or 0);
        --rank above the numerical rank of X (trailing σ_i = 0); --lam1 so
        large that the largest shrinkage σ₁²/(σ₁² + λ₁) is below
        :data:`TINY_SHRINKAGE`.
    """
    sigma = np.asarray(sigma, dtype=float)
    if sigma.size == 0 or not sigma[0] > 0:
        return ["X has no non-zero singular value: every panel but truth is blank"]
    s1 = float(sigma[0])
    positive = sigma[sigma > ZERO_SIGMA * s1]
    s_low = float(positive[-1])
    messages = []
    if positive.size < sigma.size:
        messages.append(
            f"--rank {rank} is above the numerical rank of X ({positive.size}): its last "
            f"{sigma.size - positive.size} singular values are 0, so those directions carry "
            f"no data; try --rank between 1 and {positive.size}")
    if lam2 >= s1:
        messages.append(
            f"--lam2 {lam2:g} is at or above every singular value of X (largest {s1:.3g}): "
            f"Eq. (2)'s B is all zero and its panel is blank; try --lam2 between sigma_k and "
            f"sigma_1, e.g. {_range(s_low, 0.9 * s1)}")
    elif sigma.size > 1 and lam2 >= sigma[1]:
        # one surviving direction: every cosine of Eq. (2)'s B is +1, -1 or 0
        messages.append(
            f"--lam2 {lam2:g} keeps only 1 of {sigma.size} directions (sigma_1 = {s1:.3g}, "
            f"sigma_2 = {float(sigma[1]):.3g}): Eq. (2)'s cosines are all +1, -1 or 0 and its "
            f"panel carries no cluster information; try --lam2 between sigma_k and sigma_2, "
            f"e.g. {_range(s_low, 0.9 * float(sigma[1]))}")
    largest_m = s1**2 / (s1**2 + lam1)
    if largest_m < TINY_SHRINKAGE:
        messages.append(
            f"--lam1 {lam1:g} shrinks every direction to nearly nothing (largest "
            f"m_i = sigma_1^2/(sigma_1^2 + lam1) = {largest_m:.2g}, sigma_1 = {s1:.3g}); try "
            f"--lam1 between sigma_k^2 and sigma_1^2, e.g. {_range(s_low**2, s1**2)}")
    return messages


def _print_summary(out: Path, result) -> None:
    """A few lines on stdout: each panel's AUC and purity, then where the files went."""
    for name in PANELS:
        scores = result.scores[name]
        print(f"{name:<13} auc {scores['auc']:.3f}  neighbour_purity "
              f"{scores['neighbour_purity']:.3f}")
    print(f"wrote {out / 'figure1.json'}")
    print(f"  and {out / 'figure1.png'}")


def _import_quietly(module: str) -> None:
    """Import `module` (on the helper thread of :func:`run`); a failure is left to the main thread.

    The main thread imports the module again when it draws the figure, and
    reports the error then, as it would without this thread.
    """
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001, S110 - reported by the main thread's own import
        pass


def _check_files(args) -> tuple:
    """--data X.npz --labels y.npy: check every option against the data; (X, labels, parameters)."""
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
    return X, y, params


def _load_user_data(data_path, labels_path):
    """Read --data and --labels; every problem becomes a one-line CLIError."""
    X = load_sparse_matrix(data_path, "--data")
    y = load_array(labels_path, "--labels")
    try:
        X = as_matrix(X, "--data")
    except (InvalidType, InvalidValue) as exc:
        raise CLIError(f"{exc}; {SPARSE_HINT}") from None
    try:
        y = check_figure1_labels(y, X.shape[1], "--labels")
    except (InvalidType, InvalidValue) as exc:
        raise CLIError(f"{exc}; {LABELS_HINT}") from None
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

    png = figure_png(plot_figure1(result), dpi=110, compress_level=PNG_COMPRESS_LEVEL)
    text = figure1_json(result)
    out = ensure_output_dir(out)
    with atomic_write(out / "figure1.png", "wb") as handle:
        handle.write(png)
    with atomic_write(out / "figure1.json", "w") as handle:
        handle.write(text)
