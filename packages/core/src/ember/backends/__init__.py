"""Device backends: the registry, the backend contract and the built-in CPU backend.

``ember.backends.list()`` shows what is registered and why an installed plugin did not load.
"""

from ember.backends import cuda, cudnn, mps  # noqa: E402  (PyTorch's switches: ember.backends.cudnn.benchmark)
from ember.backends.base import Backend
from ember.backends.registry import BackendRegistry, load_plugins, registry
from ember.backends.registry import list_backends as list  # noqa: A004
from ember.backends.result_check import checking_results, result_checks_enabled, set_result_checks
from ember.hookspecs import hookimpl

# ``list`` and the flag modules stay out of __all__: a star import must not shadow the builtin or ember.cuda
__all__ = ["Backend", "BackendRegistry", "checking_results", "hookimpl", "load_plugins", "registry",
           "result_checks_enabled", "set_result_checks"]
