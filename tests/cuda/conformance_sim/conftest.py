"""ember's conformance suite on ``cudasim``: ember-cuda's backend with its device emulated on the CPU.

Every kernel of the table (views, copies, the ``.cu`` kernels run by the CPU executor, and the
CPU fallbacks) is checked against the CPU backend, with gradients. The device is registered
here in-process, as ``EMBER_CUDA_SIM=1`` would at plugin load.
"""

import ember.testing
from ember.backends.registry import registry
from ember_cuda.plugin import make_sim_backend

registry.load_plugins()
if "cudasim" not in registry.backends:
    registry.register_backend(make_sim_backend())

pytest_collect_file = ember.testing.conformance_suite("cudasim")
