"""Tests of cossim.cli.args: argparse types that parse and range-check in one step."""

import argparse

import pytest

from cossim.cli.args import integer, non_negative_real


def test_integer():
    parse = integer("--rank", 1)
    assert parse("7") == 7 and parse("1") == 1
    with pytest.raises(argparse.ArgumentTypeError, match=r"--rank must be >= 1, got 0"):
        parse("0")
    with pytest.raises(argparse.ArgumentTypeError, match=r"--rank must be an integer, got 'ten'"):
        parse("ten")
    with pytest.raises(argparse.ArgumentTypeError, match="integer"):
        parse("2.5")
    assert integer("--seed", 0)("0") == 0
    with pytest.raises(argparse.ArgumentTypeError, match=r"--seed must be >= 0, got -1"):
        integer("--seed", 0)("-1")


@pytest.mark.parametrize("text, value", [("0", 0.0), ("1e4", 1e4), ("2.5", 2.5)])
def test_non_negative_real_accepts(text, value):
    assert non_negative_real("--lam1")(text) == value


RANGE = "must be finite and >= 0"


@pytest.mark.parametrize("text, match", [("-1", RANGE), ("nan", RANGE), ("inf", RANGE),
                                         ("x", "must be a number")])
def test_non_negative_real_rejects(text, match):
    with pytest.raises(argparse.ArgumentTypeError, match=f"--lam1 {match}"):
        non_negative_real("--lam1")(text)
