"""The claims ledger: every claim the book checks, recorded once with its margin.

A chapter states a claim in prose and checks it with :func:`check`::

    check("ch2-eq1-stationary", measured=gradient_norm, at_most=tolerance)

The id names a :class:`Claim` registered in one of the ``claims_*`` modules
(its one-sentence statement, the paper's section, what is measured). ``check``
compares the measured value with the threshold, raises :class:`ClaimFailed`
when the claim does not hold (so a broken claim fails the book build), and in
a notebook shows one line with an HTML anchor and glues the record under
``claim:<id>``. The book's ``claims_ledger`` Sphinx extension gathers the
glued records into the ledger page and ``claims.json``.

The measured quantity comes from a function in ``cossim`` that the chapter
calls, so that the tests (``tests/report/ledger/``) can call the same function
on a small case, break its input on purpose and see the check fail.
"""

from .core import Claim, ClaimFailed, Record, check, evaluate
from .registry import CLAIMS, SECTIONS, claim

__all__ = ["CLAIMS", "SECTIONS", "Claim", "ClaimFailed", "Record", "check", "claim", "evaluate"]
