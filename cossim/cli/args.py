"""Argument types for argparse: parse a number and check its range in one step.

A value that fails becomes an argparse usage error: one line on stderr, exit
status 2, before any computation starts.
"""

from __future__ import annotations

import argparse
import math

__all__ = ["integer", "non_negative_real", "real_between"]


def _convert(name: str, text: str, convert, noun: str):
    """`convert(text)`, or a usage error that names the option and the text."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be {noun}, got {text!r}") from None


def integer(name: str, minimum: int):
    """An argparse ``type`` for an integer ``>= minimum``; `name` is the option."""
    def parse(text):
        value = _convert(name, text, int, "an integer")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{name} must be >= {minimum}, got {value}")
        return value
    return parse


def non_negative_real(name: str):
    """An argparse ``type`` for a finite real ``>= 0`` (a λ of Eq. (1) or (2))."""
    def parse(text):
        value = _convert(name, text, float, "a number")
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"{name} must be finite and >= 0, got {text}")
        return value
    return parse


def real_between(name: str, low: float, high: float):
    """An argparse ``type`` for a finite real in ``[low, high]`` (e.g. a condition number)."""
    def parse(text):
        value = _convert(name, text, float, "a number")
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(
                f"{name} must be a finite number between {low:g} and {high:g}, got {text}")
        return value
    return parse
