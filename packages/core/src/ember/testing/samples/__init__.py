"""The catalogue of samples: for each kernel, calls of ember's public API that exercise it.

One module per op family. A sample names the kernel it exercises, the dtypes it accepts and
the cases it runs (see ``_base``); the suite runs the samples whose kernel a backend has.
"""

from ember.testing.samples import (
    activation,
    conversion,
    indexing,
    linalg,
    linalg_decomp,
    loss,
    nn,
    pointwise,
    reduction,
    shape,
    sorting,
    sparse,
)
from ember.testing.samples._base import Case, Sample

SAMPLES: list[Sample] = [
    *conversion.SAMPLES, *pointwise.SAMPLES, *reduction.SAMPLES, *shape.SAMPLES, *indexing.SAMPLES,
    *linalg.SAMPLES, *sorting.SAMPLES, *activation.SAMPLES, *nn.SAMPLES, *sparse.SAMPLES, *linalg_decomp.SAMPLES,
    *loss.SAMPLES,
]

__all__ = ["SAMPLES", "Case", "Sample"]
