import numpy as np

import cossim
from cossim.report.overview import EQ1_PANELS, family_gaps


def test_family_gaps_same_product_different_cosines():
    data = cossim.simulate(300, 30, 3, seed=0)
    spec = cossim.top_singular(data.X, 4)
    sims = {name: cossim.item_item_cosine(cossim.eq1_factors(spec, 20.0, g).B)
            for name, g in zip(EQ1_PANELS, (0.0, 0.5, 1.0))}
    product, product_gap, cosine_gap = family_gaps(spec, 20.0, sims)
    f = cossim.eq1_factors(spec, 20.0, 0.5)
    np.testing.assert_allclose(product, f.A @ f.B.T, rtol=0, atol=0)  # the γ = ½ member itself
    # one model: products of k = 4 terms with entries ≤ 1 agree to ~kε ≈ 1e-15
    assert product_gap < 1e-12 * max(1.0, np.abs(product).max())
    # different cosines: far beyond rounding (a scalar D would give ~1e-16)
    assert cosine_gap > 1e-3
