"""The figure of a :class:`cossim.beyond.diagnostic.DiagnosticReport` (plotting only; the
numbers are computed in :mod:`cossim.beyond.diagnostic`)."""

from __future__ import annotations

import numpy as np

__all__ = ["diagnostic_figure"]


def diagnostic_figure(report):
    """Two panels: neighbour overlap against γ, and the most variable pairs' cosine ranges.

    `report` is a :class:`cossim.beyond.diagnostic.DiagnosticReport` (not imported here: the
    numeric module re-exports this function, and sibling modules do not import in a cycle).
    """
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    ax1.plot(report.gammas, report.overlap_with_given, "o-", color=cmap(0.15),
             label="vs the given Q")
    ax1.plot(report.gammas, report.overlap_with_balanced, "s--", color=cmap(0.7),
             label="vs γ = 1/2")
    styles = {"diagonal": ":", "general": "-."}
    for kind, probe in report.probes.items():
        ax1.axhline(probe["worst_overlap"], color="0.35", ls=styles[kind], lw=1.2,
                    label=f"worst random {kind} M, cond. {report.max_condition:g}")
    ax1.set_xlabel(r"rescaling exponent $\gamma$  ($Q' = V S^{\gamma}$)")
    ax1.set_ylabel(f"mean top-{report.n_neighbours} overlap")
    ax1.set_ylim(0, 1.02)
    ax1.legend(loc="lower center", fontsize=8)
    ax1.set_title("Item neighbourhoods along the family")
    pairs = report.most_variable_pairs
    if pairs:
        y = np.arange(len(pairs))
        lo = [q["cos_min"] for q in pairs]
        hi = [q["cos_max"] for q in pairs]
        ax2.hlines(y, lo, hi, color=cmap(0.35), lw=3)
        ax2.plot(lo, y, "o", color=cmap(0.0), label="min over γ")
        ax2.plot(hi, y, "o", color=cmap(0.85), label="max over γ")
        ax2.set_yticks(y, [f"({q['i']}, {q['j']})" for q in pairs])
        ax2.invert_yaxis()
        ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    ax2.set_xlabel("cosine similarity of the item pair")
    ax2.set_ylabel("item pair (i, j)")
    ax2.set_xlim(-1.05, 1.05)
    ax2.set_title("Pairs whose cosine varies most")
    return fig
