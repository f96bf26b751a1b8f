"""cossim.report.ledger: the check, its margins and the registry's rules."""

import math

import pytest
from numpy.testing import assert_allclose

from cossim.report import ledger
from cossim.report.ledger import Claim, ClaimFailed, evaluate
from cossim.report.ledger.registry import SECTIONS, _validate

CLAIM = Claim(id="test-claim", statement="a holds", section="§2.2", quantity="a residual")


def test_at_most_margin_and_ratio():
    record = evaluate(CLAIM, 1e-12, at_most=1e-9)
    assert record.holds and record.kind == "at_most"
    assert_allclose(record.margin, 1e-9 - 1e-12, rtol=1e-15)
    assert_allclose(record.ratio, 1000.0, rtol=1e-12)


def test_at_least_margin_and_ratio():
    record = evaluate(CLAIM, 0.9, at_least=0.6)
    assert record.holds and record.kind == "at_least"
    assert_allclose(record.margin, 0.3, rtol=1e-12)
    assert_allclose(record.ratio, 1.5, rtol=1e-12)


def test_boundary_holds_and_just_outside_fails():
    assert evaluate(CLAIM, 0.5, at_most=0.5).holds
    assert evaluate(CLAIM, 0.5, at_least=0.5).holds
    assert not evaluate(CLAIM, math.nextafter(0.5, 1.0), at_most=0.5).holds
    assert not evaluate(CLAIM, math.nextafter(0.5, 0.0), at_least=0.5).holds


def test_ratio_undefined_for_non_positive_values():
    assert evaluate(CLAIM, 0.0, at_most=1e-9).ratio is None
    assert evaluate(CLAIM, -0.2, at_least=-0.5).ratio is None


def test_nan_fails_and_bad_thresholds_are_type_errors():
    with pytest.raises(ClaimFailed, match="NaN"):
        evaluate(CLAIM, float("nan"), at_most=1.0)
    with pytest.raises(TypeError, match="exactly one"):
        evaluate(CLAIM, 1.0)
    with pytest.raises(TypeError, match="exactly one"):
        evaluate(CLAIM, 1.0, at_most=2.0, at_least=0.0)
    with pytest.raises(TypeError, match="real number"):
        evaluate(CLAIM, "big", at_most=2.0)


def test_check_raises_with_the_numbers_and_returns_the_record(monkeypatch):
    monkeypatch.setitem(ledger.CLAIMS, CLAIM.id, CLAIM)
    record = ledger.check(CLAIM.id, 0.25, at_most=0.5, show=False)
    assert record.claim is CLAIM and record.holds
    with pytest.raises(ClaimFailed, match=r"test-claim FAILS: a residual = 0\.75 ≤ 0\.5"):
        ledger.check(CLAIM.id, 0.75, at_most=0.5, show=False)


def test_check_of_an_unregistered_id_names_it():
    with pytest.raises(KeyError, match="no-such-claim"):
        ledger.check("no-such-claim", 0.0, at_most=1.0, show=False)


def test_record_renders_an_anchor_and_json():
    record = evaluate(CLAIM, 2.0, at_least=1.0)
    assert 'id="claim-test-claim"' in record._repr_html_()
    data = record.as_json()
    assert data["id"] == "test-claim" and data["measured"] == 2.0 and data["holds"] is True
    assert set(data) >= {"statement", "section", "quantity", "status", "threshold", "margin", "ratio"}


@pytest.mark.parametrize("bad, message", [
    (Claim("Bad_Id", "s", "§1", "q"), "kebab-case"),
    (Claim("ok-id", "s", "§9", "q"), "section"),
    (Claim("ok-id", "s", "§1", "q", status="maybe"), "status"),
    (Claim("ok-id", " ", "§1", "q"), "non-empty"),
])
def test_registry_rejects_malformed_claims(bad, message):
    with pytest.raises(ValueError, match=message):
        _validate(bad, "claims_test")


def test_every_registered_claim_is_well_formed():
    for claim_id, item in ledger.CLAIMS.items():
        assert claim_id == item.id
        _validate(item, "registry")
        assert item.section in SECTIONS


def test_a_shown_record_is_not_shown_again(monkeypatch):
    """A cell ending in check(...) shows the claim's line (and its anchor) once, not twice."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    record = evaluate(CLAIM, 0.25, at_most=0.5)
    record._ipython_display_()
    assert len(shown) == 1 and 'id="claim-test-claim"' in shown[0]["text/html"]
    monkeypatch.setitem(ledger.CLAIMS, CLAIM.id, CLAIM)
    monkeypatch.setattr("cossim.report.ledger.core._show", lambda record: shown.append("glued"))
    returned = ledger.check(CLAIM.id, 0.25, at_most=0.5, show=True)
    assert shown[-1] == "glued" and returned.shown
    returned._ipython_display_()
    assert len(shown) == 2
    assert returned == record   # `shown` is not part of the record's value
