"""Sparse simulated data at MovieLens-20M's shape for the scale sweep.

:func:`cossim.simulate` draws each user's items exactly without replacement by
the Gumbel-top-k trick, which costs ``O(n·p·log p)``: fine for the paper's
20,000 × 1,000, but minutes at 138,000 × 27,000. The scale sweep only needs a
sparse matrix with the same kind of structure (item clusters, power-law item
popularity per cluster, power-law activity per user, Dirichlet user–cluster
preferences), so here each user's items are drawn *with* replacement from the
same p_ui and de-duplicated. That costs ``O(nnz·log p)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from cossim import sample_power_law


def scale_matrix(n_users=138_000, n_items=27_000, n_clusters=5, target_nnz=20_000_000, seed=0):
    """Binary user × item CSR matrix with about `target_nnz` non-zeros.

    Returns
    -------
    X : scipy.sparse.csr_matrix, shape (n_users, n_items), float64
    clusters : ndarray of int, shape (n_items,)
    """
    rng = np.random.default_rng(seed)
    clusters = rng.integers(n_clusters, size=n_items)
    exponents = rng.uniform(0.25, 1.5, size=n_clusters)
    popularity = np.empty(n_items)
    for c in range(n_clusters):
        members = np.flatnonzero(clusters == c)
        popularity[members] = sample_power_law(rng, exponents[c], members.size)
    prefs = rng.dirichlet(np.ones(n_clusters), size=n_users)

    # k_u ~ 1 + floor(x · k_max), x from the power law with β_user = 0.5 (mean x = 1/3);
    # k_max is chosen so that the expected number of draws is 1.02 × target_nnz (duplicates
    # are removed below)
    x = sample_power_law(rng, 0.5, n_users)
    k_max = int(min(n_items, round(3 * 1.02 * target_nnz / n_users)))
    counts = np.minimum(1 + np.floor(x * k_max).astype(np.int64), n_items)

    users = np.repeat(np.arange(n_users), counts)
    # cluster of each draw from the user's preferences (inverse CDF)
    cum_prefs = np.cumsum(prefs, axis=1)
    cum_prefs[:, -1] = 1.0
    u = rng.random(users.size)
    draw_cluster = np.empty(users.size, dtype=np.int64)
    chunk = 4_000_000
    for s in range(0, users.size, chunk):
        e = min(s + chunk, users.size)
        draw_cluster[s:e] = (u[s:e, None] > cum_prefs[users[s:e]]).sum(axis=1)
    np.minimum(draw_cluster, n_clusters - 1, out=draw_cluster)
    # item within the cluster from the popularity (inverse CDF per cluster)
    items = np.empty(users.size, dtype=np.int64)
    v = rng.random(users.size)
    for c in range(n_clusters):
        members = np.flatnonzero(clusters == c)
        cdf = np.cumsum(popularity[members])
        cdf /= cdf[-1]
        sel = np.flatnonzero(draw_cluster == c)
        idx = np.minimum(np.searchsorted(cdf, v[sel], side="right"), members.size - 1)
        items[sel] = members[idx]
    X = sp.csr_matrix((np.ones(users.size), (users, items)), shape=(n_users, n_items))
    X.sum_duplicates()
    X.data[:] = 1.0
    return X, clusters
