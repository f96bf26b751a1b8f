"""The paper, section by section (Steck, Ekanadham & Kallus 2024).

models       §2: objectives Eqs. (1)–(2) (from X or from XᵀX), closed forms Eqs. (5)–(6), gradients
rescaling    §2.1: the free diagonal D of Eq. (3) and the cosines of Eq. (4) as functions of D
noise        §2.1: Eq. (1) as denoising (Gaussian noise, dropout; Steck 2020)
symbolic     §2.1–2.3: SymPy proofs and derivations (imported on demand; §2.3's in symbolic_eq2,
             shared symbols and objectives in symbolic_core)
optim        §2.2–2.3: generic optimisers and restricted optima that check the closed forms
cosine_model §3, remedy 1: a model trained with respect to cosine similarity
remedies     §3, remedies 2–3: back to item space, de-biased data; the executed rescaling check
simulation   §4: the clustered data of Figure 1
metrics      §4: cluster-recovery scores (one rank AUC)
"""


from .. import _lazy

#: Every submodule, e.g. ``cossim.paper.models``, is imported on first access (PEP 562).
__getattr__ = _lazy.lazy_getattr(__name__)
