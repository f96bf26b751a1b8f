"""Linear algebra under every chapter: the SVD of X and cosine similarities.

spectrum     top-k singular values and right singular vectors of X (dense, sparse, dask)
similarity   the row normaliser Ω of Eq. (4), cosine matrices, each row's top-n neighbours
"""
