"""ember-cuda: ember's CUDA backend.

Installing it adds the ``cuda`` device type (through pycuda, on an NVIDIA GPU) and, when
``EMBER_CUDA_SIM=1``, ``cudasim``: the same kernels and memory management run on the CPU by
ember-cuda's executor, for testing without a GPU. Users do not import this package: they write
``device="cuda"`` and use ``ember.cuda``.
"""

__version__ = "0.1.0"
