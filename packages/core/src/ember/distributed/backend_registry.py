"""The collective backends ``init_process_group(backend=...)`` can name, registered through pluggy.

ember-core's ``mpi`` registers through the same hook (``ember_register_collective_backends``)
as a plugin's, from ``ember.distributed.builtin_plugin``. Installed plugins (entry-point group
``ember``, the device plugins' group) are asked only when a name is not registered yet.
"""

from __future__ import annotations

import threading
import warnings

__all__ = ["CollectiveRegistry", "registry"]

INSTALL_HINTS = {"nccl": "ember-cuda"}  # backends that ember's authors ship in another distribution


class CollectiveRegistry:
    """Collective backends by name (``"mpi"``)."""

    def __init__(self) -> None:
        self.backends: dict[str, object] = {}
        self.plugin_errors: dict[str, str] = {}
        self._builtins_loaded = False
        self._plugins_loaded = False
        self._lock = threading.RLock()

    def register_backend(self, backend) -> None:
        """Make ``backend`` available as ``init_process_group(backend=backend.name)``."""
        for attr in ("name", "devices", "is_available", "unavailable_reason", "create"):
            if not hasattr(backend, attr):
                raise TypeError(f"a collective backend needs '{attr}' (see ember.hookspecs."
                                f"ember_register_collective_backends); {type(backend).__name__} has none")
        name = backend.name
        if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
            raise ValueError(f"a collective backend's name must be a lower-case identifier, got {name!r}")
        if name in self.backends:
            raise RuntimeError(f"collective backend '{name}' is already registered")
        self.backends[name] = backend

    def _load_builtins(self) -> None:
        if not self._builtins_loaded:
            self._builtins_loaded = True
            from ember.distributed import builtin_plugin
            builtin_plugin.ember_register_collective_backends(registry=self)

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from ember.backends.registry import registry as devices
        devices.load_plugins()
        for impl in devices.pm.hook.ember_register_collective_backends.get_hookimpls():
            before = set(self.backends)
            try:
                impl.function(registry=self)
            except Exception as exc:  # a broken plugin must not break ember
                for name in set(self.backends) - before:
                    del self.backends[name]
                self.plugin_errors[impl.plugin_name] = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"ember: the plugin '{impl.plugin_name}' failed to register its collective backends "
                              f"and was skipped ({type(exc).__name__}: {exc})", RuntimeWarning, stacklevel=3)

    def get(self, name: str):
        """The backend called ``name``; loads installed plugins when it is not known yet."""
        with self._lock:
            self._load_builtins()
            found = self.backends.get(name)
            if found is None:
                self._load_plugins()
                found = self.backends.get(name)
        if found is None:
            known = ", ".join(sorted(self.backends))
            hint = INSTALL_HINTS.get(name)
            msg = f"Invalid backend: '{name}' is not a registered collective backend (registered: {known})"
            if hint:
                msg += f"; the '{name}' backend comes with {hint}: pip install {hint}"
            if self.plugin_errors:
                msg += "; plugins that failed: " + ", ".join(f"{p} ({e})" for p, e in self.plugin_errors.items())
            raise ValueError(msg)
        return found

    def names(self) -> list[str]:
        with self._lock:
            self._load_builtins()
            self._load_plugins()
            return sorted(self.backends)


registry = CollectiveRegistry()
