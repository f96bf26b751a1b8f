"""Claim records, the check itself and how a check shows in a chapter."""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, dataclass, field, replace

__all__ = ["Claim", "ClaimFailed", "Record", "check", "evaluate"]

STATUSES = ("held", "qualified")
#: MIME type of a glued claim record (a JSON string).
MIME = "application/x-cossim-claim"


class ClaimFailed(AssertionError):
    """A claim of the book does not hold for the measured value."""


@dataclass(frozen=True)
class Claim:
    """One claim of the book, as registered in a ``claims_*`` module.

    Attributes
    ----------
    id : str
        Short kebab-case name, prefixed by the chapter (``"ch2-eq1-stationary"``).
    statement : str
        The claim in one sentence, as the chapter makes it.
    section : str
        The paper's section the claim belongs to (one of ``registry.SECTIONS``).
    quantity : str
        What the measured value is (the number compared with the threshold).
    status : {"held", "qualified"}
        ``"qualified"`` marks a finding that the paper's message holds only with a
        qualification (the check then asserts the qualified statement).
    """

    id: str
    statement: str
    section: str
    quantity: str
    status: str = "held"


@dataclass(frozen=True)
class Record:
    """The outcome of one check: the claim, the numbers and the margin.

    ``margin`` is how far inside the threshold the measured value lies, in the
    quantity's units (threshold − measured for ``at_most``, measured −
    threshold for ``at_least``); ``ratio`` is threshold/measured or
    measured/threshold when both are positive (how many times over the claim
    holds), else None.
    """

    claim: Claim
    kind: str
    measured: float
    threshold: float
    margin: float
    ratio: float | None
    holds: bool
    #: Whether :func:`check` already showed this record's line (a chapter cell
    #: ending in ``check(...)`` must not show it, and its anchor, twice).
    shown: bool = field(default=False, compare=False, repr=False)

    def as_json(self) -> dict:
        """The record as a flat JSON-ready dict (the ledger file's entry)."""
        out = asdict(self.claim)
        out.update(kind=self.kind, measured=self.measured, threshold=self.threshold,
                   margin=self.margin, ratio=self.ratio, holds=self.holds)
        return out

    def summary(self) -> str:
        """One line: the claim id, the comparison and the margin."""
        sign = "≤" if self.kind == "at_most" else "≥"
        verdict = "holds" if self.holds else "FAILS"
        times = f" ({self.ratio:.3g}×)" if self.ratio is not None else ""
        return (f"Claim {self.claim.id} {verdict}: {self.claim.quantity} = {self.measured:.4g} "
                f"{sign} {self.threshold:.4g}; margin {self.margin:.3g}{times}")

    def _repr_html_(self) -> str:
        status = " (qualified)" if self.claim.status == "qualified" else ""
        return (f'<p class="cossim-claim" id="claim-{self.claim.id}">'
                f"✔ {html.escape(self.summary())}{status}</p>")

    def _ipython_display_(self) -> None:
        if not self.shown:
            from IPython.display import display

            display({"text/html": self._repr_html_(), "text/plain": self.summary()}, raw=True)

    def __repr__(self) -> str:
        return self.summary()


def _as_float(value, name: str, claim_id: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"claim {claim_id}: {name} must be a real number, got {value!r}") from None
    if math.isnan(out):
        raise ClaimFailed(f"claim {claim_id}: {name} is NaN")
    return out


def evaluate(claim: Claim, measured, *, at_most=None, at_least=None) -> Record:
    """Compare `measured` with one threshold and return the :class:`Record` (never raises ClaimFailed
    for a finite comparison; NaN raises)."""
    if (at_most is None) == (at_least is None):
        raise TypeError(f"claim {claim.id}: give exactly one of at_most= and at_least=")
    kind = "at_most" if at_most is not None else "at_least"
    threshold = _as_float(at_most if at_most is not None else at_least, kind, claim.id)
    value = _as_float(measured, "measured", claim.id)
    margin = threshold - value if kind == "at_most" else value - threshold
    big, small = (threshold, value) if kind == "at_most" else (value, threshold)
    ratio = big / small if big > 0 and small > 0 else None
    return Record(claim, kind, value, threshold, margin, ratio, holds=margin >= 0)


def check(claim_id: str, measured, *, at_most=None, at_least=None, show: bool | None = None) -> Record:
    """Check a registered claim: ``measured <= at_most`` or ``measured >= at_least``.

    Parameters
    ----------
    claim_id : str
        Id of a claim in the registry (:data:`cossim.report.ledger.CLAIMS`).
    measured : float
        The measured quantity (see the claim's ``quantity``).
    at_most, at_least : float
        The threshold; exactly one is given.
    show : bool, optional
        Display the one-line record and glue it (``claim:<id>``); by default
        only when running inside an IPython kernel.

    Returns
    -------
    Record

    Raises
    ------
    ClaimFailed
        When the claim does not hold (or the measured value is NaN).
    KeyError
        When `claim_id` is not registered.
    """
    from .registry import claim

    record = evaluate(claim(claim_id), measured, at_most=at_most, at_least=at_least)
    if not record.holds:
        raise ClaimFailed(record.summary())
    if show is None:
        show = _in_kernel()
    if show:
        _show(record)
        record = replace(record, shown=True)
    return record


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the book extra
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _show(record: Record) -> None:
    from IPython.display import display

    from cossim.report.glue import glue_hidden

    display({"text/html": record._repr_html_(), "text/plain": record.summary()}, raw=True)
    glue_hidden(f"claim:{record.claim.id}", _Glued(record))


class _Glued:
    """What is glued: the record as a JSON string under :data:`MIME` (read by the ledger extension).

    A string, not a JSON object: glued outputs carry a prefixed MIME type, and
    nbformat allows objects only under ``application/…json`` types.
    """

    def __init__(self, record: Record):
        self._record = record

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {MIME: json.dumps(self._record.as_json(), sort_keys=True), "text/plain": self._record.summary()}
