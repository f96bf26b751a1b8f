"""Figure 1 of the paper (§4): item–item cosines of one data set under five modelling choices.

pipeline     the panels, their scores, robustness over seeds and readings, the γ sweep
plotting     heat maps on one shared colour scale, and the γ-sweep plot
"""
