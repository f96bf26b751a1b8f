"""Figure 1 of the paper (§4): item–item cosines of one data set under five modelling choices.

panels       one :class:`Panel` record per panel: names, titles, definitions, its B
pipeline     the pipeline on given or simulated data, its scores, figure1.json
readings     readings of the paper's open choices; the pipeline over seeds × readings
sweep        the γ sweep: the whole family B = V_k dMat(m)^γ of Eq. (1)
plotting     heat maps on one shared colour scale, and the γ-sweep plot (matplotlib;
             imported on its own, ``from cossim.figure1.plotting import ...``)

The names of the first four are re-exported here, so that a chapter can use
``from cossim import figure1 as E`` and then ``E.simulate_figure1``,
``E.robustness``, ``E.gamma_sweep``, ...
"""

from .panels import (
    PANEL_DEFINITIONS,
    PANEL_RECORDS,
    PANEL_SHORT_TITLES,
    PANEL_TITLES,
    PANELS,
    Panel,
    panel,
    panel_similarities,
    truth_similarity,
)
from .pipeline import (
    MAX_ITEMS,
    PAPER_PARAMETERS,
    Figure1Result,
    figure1_json,
    run_figure1,
    scores_table,
    simulate_figure1,
    simulation_settings,
)
from .readings import (
    READING_DESCRIPTIONS,
    READINGS,
    panel_ranking,
    reading_kwargs,
    robustness,
    robustness_summary,
)
from .sweep import DEFAULT_GAMMAS, gamma_sweep

__all__ = [
    "Panel", "PANEL_RECORDS", "PANELS", "PANEL_TITLES", "PANEL_SHORT_TITLES", "PANEL_DEFINITIONS",
    "panel", "panel_similarities", "truth_similarity",
    "MAX_ITEMS", "PAPER_PARAMETERS", "Figure1Result", "figure1_json", "run_figure1",
    "scores_table", "simulate_figure1", "simulation_settings",
    "READINGS", "READING_DESCRIPTIONS", "panel_ranking", "reading_kwargs", "robustness",
    "robustness_summary", "DEFAULT_GAMMAS", "gamma_sweep",
]
