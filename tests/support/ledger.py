"""Marking the tests that break a ledger claim on purpose.

``@breaks("ch2-eq1-stationary")`` marks a test that computes a claim's measured
quantity with the chapter's own function on a small case, shows that the check
passes, breaks the input and shows that the check fails.
``tests/report/ledger/test_coverage.py`` reads these marks from the source
(``BREAKS_PATTERN``) and requires one for every registered claim.
"""

import re

import pytest

BREAKS_PATTERN = re.compile(r"@breaks\(([^)]*)\)")
ID_PATTERN = re.compile(r"""["']([a-z0-9-]+)["']""")


def breaks(*claim_ids):
    """Mark a test as breaking the given claims on purpose."""
    if not claim_ids:
        raise TypeError("breaks() needs at least one claim id")
    return pytest.mark.breaks(*claim_ids)
