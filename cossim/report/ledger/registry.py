"""All registered claims, gathered from the ``claims_*`` modules (one per part of the book)."""

from __future__ import annotations

import importlib
import pkgutil
import re

from .core import STATUSES, Claim

__all__ = ["CLAIMS", "SECTIONS", "claim"]

#: The paper's sections in reading order; the ledger page groups claims by them.
SECTIONS = ("§1", "§2.1", "§2.2", "§2.2 (training)", "§2.3", "§3", "§4", "Discussion", "Beyond the paper")

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _collect() -> dict[str, Claim]:
    claims: dict[str, Claim] = {}
    for info in sorted(pkgutil.iter_modules(_package_path()), key=lambda m: m.name):
        if not info.name.startswith("claims_"):
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        for item in module.CLAIMS:
            _validate(item, info.name)
            if item.id in claims:
                raise ValueError(f"claim id {item.id!r} registered twice ({info.name})")
            claims[item.id] = item
    return claims


def _package_path():
    from pathlib import Path

    return [str(Path(__file__).parent)]


def _validate(item: Claim, module: str) -> None:
    where = f"{module}: claim {item.id!r}"
    if not isinstance(item, Claim):
        raise TypeError(f"{module}: CLAIMS must hold Claim objects, got {type(item).__name__}")
    if not _ID.match(item.id):
        raise ValueError(f"{where}: ids are kebab-case (lower-case letters, digits, hyphens)")
    if item.section not in SECTIONS:
        raise ValueError(f"{where}: section {item.section!r} is not one of {SECTIONS}")
    if item.status not in STATUSES:
        raise ValueError(f"{where}: status must be one of {STATUSES}")
    if not item.statement.strip() or not item.quantity.strip():
        raise ValueError(f"{where}: statement and quantity must be non-empty")


#: Every registered claim by id.
CLAIMS: dict[str, Claim] = _collect()


def claim(claim_id: str) -> Claim:
    """The registered :class:`Claim` of `claim_id` (KeyError naming the id if there is none)."""
    try:
        return CLAIMS[claim_id]
    except KeyError:
        raise KeyError(f"claim {claim_id!r} is not registered in cossim/report/ledger/claims_*.py") from None
