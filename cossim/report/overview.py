"""The book's overview page (``index.md``): one model, three sets of cosines.

The landing page states that the three members γ = 0, ½, 1 of Eq. (1)'s family
of optimal solutions share one product ABᵀ while their item–item cosines, and
hence their recovery of the item clusters, differ.
"""

from __future__ import annotations

import numpy as np

import cossim

__all__ = ["EQ1_PANELS", "family_gaps"]

#: The Figure 1 panels of Eq. (1) at γ = 0, ½, 1.
EQ1_PANELS = ["eq1_gamma0", "eq1_gamma0.5", "eq1_gamma1"]


def family_gaps(spectrum, lam, similarities, gammas=(0.0, 0.5, 1.0), names=EQ1_PANELS):
    """How far the members of Eq. (1)'s family differ in product and in cosines.

    Parameters
    ----------
    spectrum : Spectrum
        Top-k spectrum of X.
    lam : float
        λ of Eq. (1).
    similarities : dict
        Panel name → item–item cosine matrix (``Figure1Result.similarities``).
    gammas, names : sequences
        The members compared, and their panel names in `similarities`.

    Returns
    -------
    product : ndarray
        ABᵀ of the symmetric split γ = ½ (the second member).
    product_gap : float
        Largest entrywise difference of any member's ABᵀ from `product`.
    cosine_gap : float
        Largest entrywise difference between any two members' item cosines.
    """
    eq1 = [cossim.eq1_factors(spectrum, lam, gamma) for gamma in gammas]
    product = eq1[1].A @ eq1[1].B.T
    product_gap = max(np.abs(f.A @ f.B.T - product).max() for f in eq1)
    cosine_gap = max(np.abs(similarities[a] - similarities[b]).max()
                     for a in names for b in names)
    return product, product_gap, cosine_gap
