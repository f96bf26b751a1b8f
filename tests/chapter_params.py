"""Parameters papermill injects into each chapter in the test suite.

A chapter's own ``parameters`` cell holds the paper's full-scale run (used by
the book build). Here each chapter may get smaller values so that the
papermill test stays quick; an empty dict runs the chapter at full scale.
Keys are chapter file stems under book/.
"""

CHAPTER_PARAMS = {
    "01_introduction": {},
    "02_models": {},
    "02_2_first_objective": {},
    "02_3_second_objective": {},
    "03_remedies": {},
    "04_experiments": {},
}
