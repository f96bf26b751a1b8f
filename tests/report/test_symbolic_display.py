import sympy as sp

from cossim.report.symbolic_display import show_lines


def test_show_lines_aligns_labels_and_formulas():
    x = sp.Symbol("x")
    math = show_lines([("square", x**2), ("zero", 0)])
    assert math.data.startswith(r"\begin{aligned}") and math.data.endswith(r"\end{aligned}")
    assert r"\text{square} &\quad x^{2}" in math.data
    assert r" \\ \text{zero} &\quad 0" in math.data
