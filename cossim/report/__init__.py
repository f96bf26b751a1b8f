"""Report helpers for the book's chapters: the plumbing behind the pages.

The chapters of the companion book call these helpers so that their code cells
show the ideas (which model, which check, which claim) and not the table
formatting, glue loops and repeated fitting code. Nothing else in ``cossim``
imports this subpackage; it imports the numerics through the public API
(and ``cossim.paper.models.objective_from_gram``, Eq. (1) from XᵀX, where a
full-rank value would otherwise cost minutes).

glue              :func:`shown` (the numbers of ``{eval}`` roles, every notebook page)
symbolic_display  SymPy results as aligned formulas (Chapters 2.2, 2.3)
tolerances        float64 rounding bounds of the checks (Chapters 1–2.3)
optimum           distance of an optimiser's end point to the solution set (Chapters 2.2, 2.3)
ledger            the claims ledger: ``check`` and the registered claims
cli_demo          run ``python -m cossim`` in a temporary folder (Chapters 4, 8)

and one module per chapter topic: ``toy_report`` (1), ``models_report`` (2),
``first_objective`` (2.2), ``second_objective`` (2.3), ``remedies_study`` (3),
``figure1_report`` (4), ``training_report`` and ``gradient_flow`` (6), ``movielens_report`` (7),
``diagnostic_report`` (8) and ``overview`` (the landing page). Table formatting
and pandas styling live with the chapter that shows the table.
"""

from .glue import Shown, ShownNumbers, shown

__all__ = ["Shown", "ShownNumbers", "shown"]
