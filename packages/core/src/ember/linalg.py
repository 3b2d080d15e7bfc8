"""``ember.linalg``: PyTorch's ``torch.linalg`` — decompositions, solvers, inverses, norms.

Real floating point (float32, float64) matrices only: ember has no complex dtypes, so
``eig``/``eigvals`` (whose results are complex in general) are not here. Batches of matrices
``(*, m, n)`` work everywhere; everything is differentiable (see each function for where
gradients are undefined, as in PyTorch: repeated singular values or eigenvalues).
"""

from ember.ops.linalg_decomp import *  # noqa: F401,F403
from ember.ops.linalg_decomp import __all__  # noqa: F401
