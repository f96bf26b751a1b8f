"""The D explorer: a self-contained HTML/JS slider over the rescaling exponent γ.

For the Eq. (1) solution ``A = V_k dMat(m)^{1−γ}``, ``B = V_k dMat(m)^γ``
(Eq. (5) rescaled as in Eq. (3)), every γ gives the same model ``X A Bᵀ`` but
its own item–item cosines. :func:`explorer_frames` computes, per γ, the
cosine heat map, the top-5 neighbours of a few chosen items and the cluster
recovery score (:func:`cossim.cluster_auc`), plus the largest change of the
predictions ``X A Bᵀ`` over the whole range. :func:`explorer_html` turns them
into one HTML fragment: heat maps as 8-bit palette PNGs (viridis, base64),
a range slider and a few lines of plain JavaScript. It needs no kernel, no
network and no library, so it works in the static book.
"""

from __future__ import annotations

import base64
import html as _html
import io
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from .._validation import InvalidValue, as_matrix, check_int, check_labels, check_vector
from ..linalg.similarity import cosine_similarity, top_n_from_similarity
from ..paper.metrics import cluster_auc
from ..paper.models import eq1_factors

__all__ = ["ExplorerFrames", "explorer_frames", "explorer_html", "heatmap_png", "eq1_objective",
           "eq1_optimum", "objective_tolerance", "auc_along", "auc_resolution",
           "prediction_tolerance", "changed_neighbourhoods"]

EPS = float(np.finfo(np.float64).eps)


@dataclass
class ExplorerFrames:
    """Everything the slider shows, one entry per γ."""

    gammas: np.ndarray            # (F,)
    heatmaps: list                # F PNG images (bytes)
    neighbours: dict              # item -> (F, 5) int array of neighbour indices
    neighbour_cos: dict           # item -> (F, 5) cosines
    auc: np.ndarray               # (F,) cluster_auc of the cosine matrix
    max_prediction_change: float  # max |X A_γ B_γᵀ − X A_½ B_½ᵀ| over all γ and entries
    objective: np.ndarray         # (F,) the Eq. (1) objective of (A_γ, B_γ)
    optimum: float                # its closed-form minimum from σ and ‖X‖_F (eq1_optimum)
    labels: np.ndarray
    order: np.ndarray


def heatmap_png(S, *, vmin=-1.0, vmax=1.0, pixels: int = 250, boundaries=()) -> bytes:
    """Render a square matrix as an 8-bit palette PNG with the viridis colormap.

    The matrix is block-averaged down to at most `pixels` × `pixels`; palette
    entry 255 (white) marks the rows/columns in `boundaries` (cluster edges).
    """
    from matplotlib import colormaps
    from PIL import Image

    S = np.asarray(S, dtype=np.float64)
    pixels = check_int(pixels, "pixels", 1)
    p = S.shape[0]
    f = max(1, int(np.ceil(p / pixels)))
    q = -(-p // f)
    pad = np.full((q * f, q * f), np.nan)
    pad[:p, :p] = S
    small = np.nanmean(pad.reshape(q, f, q, f), axis=(1, 3))
    idx = np.clip(np.round((small - vmin) / (vmax - vmin) * 254), 0, 254).astype(np.uint8)
    for b in boundaries:
        r = int(b) // f
        if 0 < r < q:
            idx[r, :] = 255
            idx[:, r] = 255
    lut = (colormaps["viridis"](np.linspace(0, 1, 255))[:, :3] * 255).astype(np.uint8)
    palette = np.vstack([lut, [[255, 255, 255]]]).ravel().tolist()
    img = Image.fromarray(idx, mode="P")
    img.putpalette(palette)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _prediction_changes(X, factors, ref, lam: float, user_block: int):
    """For each factor pair (A_γ, B_γ): max |X A_γ B_γᵀ − X A_ref B_refᵀ| and the Eq. (1) objective.

    The first is 0 by construction (an identity of the family); the second is
    compared with :func:`eq1_optimum`. Blocks of users are the outer loop, so
    each block of X is made dense, and its reference predictions are computed,
    once for all pairs; each pair's sums still run over the blocks in order.
    """
    change, loss = [0.0] * len(factors), [0.0] * len(factors)
    for a in range(0, X.shape[0], user_block):
        rows = X[a:a + user_block]
        ref_pred = np.asarray(rows @ ref.A) @ ref.B.T
        block = rows.toarray() if hasattr(rows, "toarray") else np.asarray(rows)
        for i, fac in enumerate(factors):
            pred = np.asarray(rows @ fac.A) @ fac.B.T
            change[i] = max(change[i], float(np.abs(pred - ref_pred).max()))
            loss[i] += float(np.sum((block - pred) ** 2))
    penalty = [lam * float(np.sum((f.A.T @ f.A) * (f.B.T @ f.B))) for f in factors]  # λ ‖A Bᵀ‖²_F
    return change, [r + q for r, q in zip(loss, penalty)]


def eq1_objective(X, A, B, lam: float, *, user_block: int = 4096) -> float:
    """The Eq. (1) objective ``‖X − X A Bᵀ‖²_F + λ ‖A Bᵀ‖²_F``, in blocks of users."""
    X = as_matrix(X, "X")
    fac = SimpleNamespace(A=np.asarray(A, float), B=np.asarray(B, float))
    zero = SimpleNamespace(A=np.zeros((fac.A.shape[0], 1)), B=np.zeros((fac.B.shape[0], 1)))
    return _prediction_changes(X, [fac], zero, float(lam), check_int(user_block, "user_block", 1))[1][0]


def _squared_frobenius(X) -> float:
    return float(X.multiply(X).sum()) if hasattr(X, "multiply") else float(np.sum(np.square(X)))


def eq1_optimum(X, spectrum, lam: float) -> float:
    """Minimum of Eq. (1) at rank k from the singular values alone (§2.2).

    With ``W = V_k dMat(m) V_kᵀ``, ``m_i = σ_i²/(σ_i² + λ)``, each kept
    direction contributes ``σ_i²(1 − m_i)² + λ m_i² = λσ_i²/(σ_i² + λ)`` and each
    dropped one ``σ_i²``, so the optimum is ``‖X‖²_F − Σ_{i≤k} σ_i⁴/(σ_i² + λ)``.
    Computed from ``‖X‖_F`` and σ only: no factor enters.
    """
    sigma2 = np.asarray(spectrum.sigma, dtype=float) ** 2
    return _squared_frobenius(as_matrix(X, "X")) - float(np.sum(sigma2**2 / (sigma2 + lam)))


def objective_tolerance(X, spectrum, optimum: float) -> float:
    """Relative rounding tolerance for ``|objective − optimum| / optimum``: ``4 k p ε ‖X‖²_F / f*``.

    σ² from a symmetric eigensolver err by ``O(p ε σ₁²)`` each (k of them, each
    entering with a derivative ≤ 2); each residual ``x − (XA)_u b_i`` errs by
    ``O(k ε)`` relative to ``‖X‖_F``-sized terms; both are below
    ``4 k p ε ‖X‖²_F`` with ``σ₁² <= ‖X‖²_F``.
    """
    X = as_matrix(X, "X")
    k = len(spectrum.sigma)
    return 4.0 * k * X.shape[1] * EPS * _squared_frobenius(X) / optimum


def auc_along(spectrum, lam: float, labels, gammas) -> np.ndarray:
    """Cluster AUC of the item cosines of ``B_γ = V_k dMat(m)^γ`` for each γ (no predictions)."""
    labels = np.asarray(labels)
    return np.array([cluster_auc(cosine_similarity(eq1_factors(spectrum, lam, float(g)).B), labels)
                     for g in check_vector(gammas, "gammas")])


def explorer_frames(X, spectrum, lam, labels, order, *, gammas=None, items=(),
                    n_neighbours: int = 5, pixels: int = 250,
                    user_block: int = 4096) -> ExplorerFrames:
    """Compute the explorer's frames for the Eq. (1) family over γ.

    Parameters
    ----------
    X : array_like or sparse, shape (n, p)
        Data (for the predictions ``X A Bᵀ``).
    spectrum : Spectrum
        ``cossim.top_singular(X, k)``.
    lam : float
        λ of Eq. (1).
    labels : array_like of int, shape (p,)
        Ground-truth clusters (for the recovery score).
    order : array_like of int, shape (p,)
        Item order of the heat map (e.g. :func:`cossim.order_items`).
    gammas : array_like, optional
        Default 21 values in [0, 1].
    items : sequence of int
        Items whose top neighbours are listed.
    """
    X = as_matrix(X, "X")
    p = X.shape[1]
    labels = check_labels(labels, p)
    order = np.asarray(order)
    if order.shape != (p,) or not np.array_equal(np.sort(order), np.arange(p)):
        raise InvalidValue(f"order must be a permutation of range({p})")
    gammas = np.linspace(0, 1, 21) if gammas is None else check_vector(gammas, "gammas")
    n_neighbours = check_int(n_neighbours, "n_neighbours", 1, p - 1)
    pixels = check_int(pixels, "pixels", 1)
    user_block = check_int(user_block, "user_block", 1)
    items = [int(i) for i in items]
    if any(not 0 <= i < p for i in items):
        raise InvalidValue(f"items must be indices in range({p})")
    sorted_labels = labels[order]
    boundaries = np.flatnonzero(np.diff(sorted_labels)) + 1
    factors = [eq1_factors(spectrum, lam, float(g)) for g in gammas]
    heat, auc = [], []
    nb = {i: [] for i in items}
    nbc = {i: [] for i in items}
    for fac in factors:
        S = cosine_similarity(fac.B)
        heat.append(heatmap_png(S[np.ix_(order, order)], pixels=pixels, boundaries=boundaries))
        auc.append(cluster_auc(S, labels))
        if items:
            tops = top_n_from_similarity(S[items], n_neighbours, self_index=np.asarray(items))
            for i, top in zip(items, tops):
                nb[i].append(top)
                nbc[i].append(S[i, top])
    changes, objective = _prediction_changes(X, factors, eq1_factors(spectrum, lam, 0.5), float(lam), user_block)
    return ExplorerFrames(gammas, heat, {i: np.array(v) for i, v in nb.items()},
                          {i: np.array(v) for i, v in nbc.items()}, np.array(auc),
                          max(changes), np.array(objective), eq1_optimum(X, spectrum, lam),
                          labels, order)


AXIS_LABEL = "item (sorted by cluster, then popularity)"
COLOUR_LABEL = "cosine similarity"

_TEMPLATE = """
<div class="cossim-explorer" id="{uid}" style="font-family:sans-serif;max-width:760px">
<div style="display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start">
<figure style="margin:0">
<div style="display:flex;align-items:center;gap:4px">
<div style="writing-mode:vertical-rl;transform:rotate(180deg);font-size:12px;text-align:center;
 height:{size}px">{axis_label}</div>
<img id="{uid}-img" alt="item-item cosine heat map" width="{size}" height="{size}"
 style="image-rendering:pixelated;border:1px solid #888" src="data:image/png;base64,{first}">
</div>
<div style="margin-left:20px;width:{size}px">
<div style="font-size:12px;text-align:center">{axis_label}</div>
<div style="display:flex;align-items:center;gap:6px;font-size:12px;margin-top:6px">
<span>&minus;1</span><img alt="colour bar (viridis, cosine from -1 to +1)"
 src="data:image/png;base64,{bar}" style="width:{barw}px;height:12px"><span>+1</span></div>
<div style="font-size:12px;text-align:center">{colour_label}</div>
<figcaption style="font-size:12px;margin-top:6px">Item&ndash;item cosine cos(B, B); white
lines separate the clusters.</figcaption>
</div>
</figure>
<div style="min-width:300px;font-size:14px">
<label for="{uid}-slider"><b>rescaling exponent &gamma; = <span id="{uid}-g"></span></b>
(B = V<sub>k</sub> m<sup>&gamma;</sup>, A = V<sub>k</sub> m<sup>1&minus;&gamma;</sup>)</label><br>
<input type="range" id="{uid}-slider" min="0" max="{last}" step="1" value="{start}"
 style="width:100%">
<p>Cluster recovery (AUC): <b id="{uid}-auc"></b><br>
Largest change of the predictions X A B<sup>T</sup> over the whole slider range:
<b>{maxchange}</b></p>
<label for="{uid}-item">Top-{nn} neighbours of item</label>
<select id="{uid}-item">{options}</select>
<ol id="{uid}-nb" style="margin-top:4px"></ol>
</div></div></div>
<script>
(function() {{
  var D = {data};
  var root = document.getElementById("{uid}");
  var s = document.getElementById("{uid}-slider"), sel = document.getElementById("{uid}-item");
  function show() {{
    var f = parseInt(s.value), it = sel.value;
    document.getElementById("{uid}-img").src = "data:image/png;base64," + D.img[f];
    document.getElementById("{uid}-g").textContent = D.g[f].toFixed(2);
    document.getElementById("{uid}-auc").textContent = D.auc[f].toFixed(3);
    var nb = D.nb[it][f], html = "";
    for (var j = 0; j < nb.length; j++) {{
      html += "<li>item " + nb[j][0] + " (cluster " + nb[j][1] + "), cos " + nb[j][2].toFixed(3)
        + (nb[j][1] === D.lab[it] ? "" : " &#9888; other cluster") + "</li>";
    }}
    document.getElementById("{uid}-nb").innerHTML = html;
  }}
  s.addEventListener("input", show); sel.addEventListener("change", show); show();
}})();
</script>
"""


def _colour_bar_png() -> bytes:
    from matplotlib import colormaps
    from PIL import Image

    lut = (colormaps["viridis"](np.linspace(0, 1, 255))[:, :3] * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(np.tile(lut[None], (2, 1, 1)), mode="RGB").save(buf, format="PNG")
    return buf.getvalue()


def explorer_html(frames: ExplorerFrames, *, uid: str = "cossim-explorer", size: int = 330,
                  start=None) -> str:
    """One self-contained HTML fragment (no external resources) for the frames."""
    import json

    F = len(frames.gammas)
    start = int(np.argmin(np.abs(frames.gammas - 0.5))) if start is None else int(start)
    imgs = [base64.b64encode(b).decode("ascii") for b in frames.heatmaps]
    nb = {}
    for i, idx in frames.neighbours.items():
        nb[str(i)] = [[[int(j), int(frames.labels[j]), float(c)] for j, c in zip(row, crow)]
                      for row, crow in zip(idx, frames.neighbour_cos[i])]
    data = {"img": imgs, "g": [float(g) for g in frames.gammas],
            "auc": [float(a) for a in frames.auc], "nb": nb,
            "lab": {str(i): int(frames.labels[i]) for i in frames.neighbours}}
    options = "".join(
        f'<option value="{i}">{i} (cluster {int(frames.labels[i])})</option>'
        for i in frames.neighbours)
    nn = next(iter(frames.neighbours.values())).shape[1] if frames.neighbours else 0
    return _TEMPLATE.format(
        uid=_html.escape(uid), size=size, first=imgs[start],
        bar=base64.b64encode(_colour_bar_png()).decode("ascii"), last=F - 1, start=start,
        maxchange=f"{frames.max_prediction_change:.1e}", barw=size - 50,
        axis_label=AXIS_LABEL, colour_label=COLOUR_LABEL, nn=nn, options=options,
        data=json.dumps(data, separators=(",", ":")))


def auc_resolution(labels) -> float:
    """The smallest change of a cluster AUC: ``1 / (positive pairs · negative pairs)``."""
    labels = np.asarray(labels)
    counts = np.unique(labels, return_counts=True)[1]
    pairs = labels.size * (labels.size - 1) // 2
    positive = int(np.sum(counts * (counts - 1) // 2))
    return 1.0 / max(positive * (pairs - positive), 1)


def prediction_tolerance(X, k: int) -> float:
    """Rounding bound for ``|X A_γ B_γᵀ − X A_½ B_½ᵀ|``: ``2 (k + p) ε max_u ‖x_u‖₁``.

    Rows of ``V_k m^γ`` have norm ≤ 1 (m_i ≤ 1), so a prediction is a sum of at
    most ``k + p`` terms bounded by ``‖x_u‖₁`` in total; two predictions differ.
    """
    X = as_matrix(X, "X")
    absX = abs(X)
    row_l1 = np.asarray(absX.sum(axis=1)).ravel()
    return 2.0 * (check_int(k, "k", 1) + X.shape[1]) * EPS * float(row_l1.max())


def changed_neighbourhoods(frames: ExplorerFrames) -> list:
    """The listed items whose top neighbours at the first γ differ (as a set) from the last."""
    return [i for i, rows in frames.neighbours.items() if set(rows[0]) != set(rows[-1])]
