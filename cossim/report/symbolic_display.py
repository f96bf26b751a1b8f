"""Display SymPy results as aligned formulas (Chapters 2.2 and 2.3)."""

from __future__ import annotations


def show_lines(rows):
    """Display (label, SymPy value) pairs as aligned LaTeX, one per line.

    Serves the symbolic derivations of Chapter 2.2 (Eq. (1)'s minimiser) and
    Chapter 2.3 (Eq. (2)'s stationary points).

    Parameters
    ----------
    rows : iterable of (str, object)
        A label in plain text and a SymPy expression (or anything
        :func:`sympy.latex` accepts).

    Returns
    -------
    IPython.display.Math
    """
    import sympy as sp
    from IPython.display import Math

    lines = [rf"\text{{{label}}} &\quad {sp.latex(value)}" for label, value in rows]
    return Math(r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}")
