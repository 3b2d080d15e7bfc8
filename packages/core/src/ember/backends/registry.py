"""The device registry: backends registered through pluggy, and canonical devices.

The CPU backend registers through the same hook as any third-party plugin. Installed
plugins (entry-point group ``ember``) load the first time a device type that is not yet
registered is asked for, never on ``import ember``.
"""

from __future__ import annotations

import os
import warnings

import pluggy

from ember import _core, hookspecs
from ember.backends.base import Backend

BLOCK_ENV = "EMBER_BLOCK_PLUGINS"  # comma-separated entry-point or distribution names


class BackendRegistry:
    """Holds the registered backends; plugins add to it through their hooks."""

    def __init__(self) -> None:
        self.backends: dict[str, Backend] = {}
        self._owner: dict[str, str] = {}      # device type -> distribution that registered it
        self._devices: dict[tuple, _core.device] = {}
        self.plugin_errors: dict[str, str] = {}
        self.blocked: list[str] = []
        self._plugins_loaded = False
        self.pm = pluggy.PluginManager("ember")
        self.pm.add_hookspecs(hookspecs)
        self._current_dist = "ember-core"

    # -- what plugins call -------------------------------------------------------------
    def register_backend(self, backend: Backend) -> None:
        """Make ``backend`` available under ``backend.type``."""
        if not isinstance(backend, Backend):
            raise TypeError(f"register_backend() expects an ember.backends.Backend, got "
                            f"{type(backend).__name__}")
        name = backend.type
        if name in self.backends:
            raise RuntimeError(
                f"device type '{name}' is registered twice: by {self._owner[name]} and by "
                f"{self._current_dist}; uninstall one of them or block it with "
                f"{BLOCK_ENV}=<name>")
        self.backends[name] = backend
        self._owner[name] = self._current_dist

    def register_kernel(self, device_type: str, op: str, fn) -> None:
        """Add or replace the kernel ``op`` of the backend for ``device_type``."""
        self.backend(device_type).kernels[op] = fn

    # -- plugin loading ------------------------------------------------------------------
    def register_plugin(self, plugin, dist_name: str) -> None:
        """Register a plugin object/module and run its hooks now."""
        self._current_dist = dist_name
        try:
            self.pm.register(plugin, name=dist_name)
            self.pm.check_pending()
            caller = self.pm.subset_hook_caller
            hide = [p for p in self.pm.get_plugins() if p is not plugin]
            caller("ember_register_backends", hide)(registry=self)
            caller("ember_register_kernels", hide)(registry=self)
        finally:
            self._current_dist = "ember-core"

    def load_plugins(self) -> None:
        """Load every installed entry point of group ``ember`` (once)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from importlib.metadata import entry_points

        blocked = {b.strip() for b in os.environ.get(BLOCK_ENV, "").split(",") if b.strip()}
        for ep in entry_points(group="ember"):
            dist = ep.dist.name if ep.dist is not None else ep.name
            if ep.name in blocked or dist in blocked:
                self.blocked.append(dist)
                continue
            try:
                plugin = ep.load()
                self.register_plugin(plugin, dist)
            except Exception as exc:  # a broken plugin must not break ember
                if isinstance(exc, RuntimeError) and "registered twice" in str(exc):
                    raise
                self.plugin_errors[dist] = f"{type(exc).__name__}: {exc}"
                warnings.warn(f"ember: plugin '{ep.name}' from distribution '{dist}' failed to "
                              f"load and was skipped ({type(exc).__name__}: {exc})",
                              RuntimeWarning, stacklevel=3)

    # -- lookups -------------------------------------------------------------------------
    def backend(self, device_type: str) -> Backend:
        """The backend for ``device_type``, loading plugins if it is not known yet."""
        b = self.backends.get(device_type)
        if b is None:
            self.load_plugins()
            b = self.backends.get(device_type)
        if b is None:
            known = ", ".join(sorted(self.backends))
            raise RuntimeError(f"Expected one of {known} device type at start of device "
                               f"string: {device_type} (no installed backend provides "
                               f"'{device_type}'; see ember.backends.list())")
        return b

    def canonical(self, dev) -> _core.device:
        """The one device object tensors on ``dev`` carry; checks the device is usable."""
        if dev is None:
            return self.cpu
        if type(dev) is _core.device and dev._kernels is not None:
            return dev
        if not isinstance(dev, _core.device):
            dev = _core.device(dev)
        key = (dev.type, dev.index)
        found = self._devices.get(key)
        if found is not None:
            return found
        backend = self.backend(dev.type)
        if not backend.is_available():
            raise RuntimeError(f"device '{dev}' is not available: {backend.unavailable_reason()}")
        index = dev.index
        if backend.has_index:
            index = 0 if index is None else index
            if index >= backend.device_count():
                raise RuntimeError(f"device '{dev.type}:{index}' is out of range: the "
                                   f"'{dev.type}' backend has {backend.device_count()} device(s)")
        elif index not in (None, 0):
            raise RuntimeError(f"device type '{dev.type}' has no device index {index}")
        else:
            index = None
        found = self._devices.get((dev.type, index))
        if found is None:
            found = _core.device(dev.type, index)
            found._kernels = backend.kernels
            found._backend = backend
            self._devices[(dev.type, index)] = found
        self._devices[key] = found
        return found


registry = BackendRegistry()


def _register_builtin() -> None:
    from ember.backends import cpu

    registry.register_plugin(cpu, "ember-core")
    registry.cpu = registry.canonical(_core.device("cpu"))


_register_builtin()


def list_backends() -> dict[str, str]:
    """Registered device types with who provided them, and plugins that failed or were blocked."""
    registry.load_plugins()
    out = {name: f"registered by {registry._owner[name]}" for name in registry.backends}
    for dist, err in registry.plugin_errors.items():
        out[dist] = f"failed to load: {err}"
    for dist in registry.blocked:
        out[dist] = f"blocked by {BLOCK_ENV}"
    return out
