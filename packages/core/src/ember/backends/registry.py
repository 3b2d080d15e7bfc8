"""The device registry: backends that plugins register through pluggy, and canonical devices.

The CPU backend registers through the same hook as any third-party plugin, when ember is
imported. Installed plugins (entry-point group ``ember``) load the first time a device type
that is not registered yet is asked for, never on ``import ember`` and never per op: the
dispatcher only reads the kernel table a canonical device carries.

Tests that install fake plugins use a fresh ``BackendRegistry()``: it registers the CPU
backend and has loaded no plugin yet, so ``load_plugins()`` sees the current ``sys.path``.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
import threading
import warnings

import pluggy

from ember import _core, hookspecs
from ember.backends.base import Backend

ENTRY_POINT_GROUP = "ember"
BLOCK_ENV = "EMBER_BLOCK_PLUGINS"  # comma-separated distribution or entry-point names
BUILTIN = "ember-core"
INSTALL_HINTS = {"cuda": "ember-cuda"}  # device types whose backend ember's authors ship
DEFAULT_SEED = 67280421310721  # PyTorch's default seed: a fresh process is reproducible too


_current_seed = DEFAULT_SEED  # the last ember.manual_seed(), for every registry: late backends get it


def set_seed(seed: int) -> None:
    """Remember ``seed`` (``ember.manual_seed`` calls this) to seed the backends that register later."""
    global _current_seed
    _current_seed = int(seed)


class _PluginManager(pluggy.PluginManager):
    """Takes every ``ember_*`` function of a plugin as a hook, marked or not, so that
    ``check_pending`` reports a misspelled hook instead of silently ignoring it."""

    def parse_hookimpl_opts(self, plugin, name: str):
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("ember_") and inspect.isroutine(getattr(plugin, name, None)):
            opts = {"wrapper": False, "hookwrapper": False, "optionalhook": False,
                    "tryfirst": False, "trylast": False, "specname": None}
        return opts


def _normalize(name: str) -> str:
    """A distribution name in its canonical form (PEP 503): ``Ember_Checked`` -> ``ember-checked``."""
    return re.sub(r"[-_.]+", "-", name).lower()


class BackendRegistry:
    """The registered device backends and the canonical device objects tensors carry.

    Plugins receive the registry in their hooks and call ``register_backend`` and
    ``register_kernel`` on it. ``ember.backends.registry.registry`` is the one ember uses.
    """

    def __init__(self) -> None:
        self.backends: dict[str, Backend] = {}
        self.plugin_errors: dict[str, str] = {}   # distribution -> why its plugin did not load
        self.blocked: list[str] = []              # distributions skipped because of BLOCK_ENV
        self.plugins_loaded = False
        self._owner: dict[str, str] = {}          # device type -> distribution that registered it
        self._conflicts: dict[str, list[str]] = {}  # device type -> the distributions that all claim it
        self._canonical: dict[tuple, _core.device] = {}  # (type, index) -> the one device object
        self._aliases: dict[object, _core.device] = {}   # "cpu", device("cuda"), ... -> canonical
        self._current: dict[str, int] = {}        # device type -> index that a bare "cuda" means
        self._loading: str | None = None          # distribution whose hooks are running
        self._undo: list = []                     # how to take back what that distribution added
        self._lock = threading.RLock()
        self.pm = _PluginManager("ember")
        self.pm.add_hookspecs(hookspecs)
        from ember.backends import cpu
        self.register_plugin(cpu, BUILTIN)
        self.cpu = self.canonical("cpu")

    # -- what plugins call ------------------------------------------------------------------
    def register_backend(self, backend: Backend) -> None:
        """Make ``backend`` available under its device type ``backend.type``.

        Raises:
            RuntimeError: when the device type is already registered. While plugins load,
                two plugins claiming one type make it unusable, with an error naming both.
        """
        if not isinstance(backend, Backend):
            raise TypeError(f"register_backend() expects an ember.backends.Backend, got {type(backend).__name__}")
        name = backend.type
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_]+", name):
            raise ValueError(f"a backend's type must be a name of letters, digits and '_' "
                             f"(it is what users write in device strings), got {name!r}")
        if backend.fallback not in (None, "cpu"):
            raise ValueError(f"backend '{name}': fallback must be None or \"cpu\" (run missing kernels on the "
                             f"CPU on host copies), got {backend.fallback!r}")
        dist = self._loading or "the calling code"
        if name in self._conflicts:
            self._conflicts[name].append(dist)
            return
        owner = self._owner.get(name)
        if owner is not None:
            if owner == BUILTIN or self._loading is None or owner == dist:
                raise RuntimeError(f"device type '{name}' is already registered by {owner}; {dist} cannot "
                                   f"register it again (add kernels to it with ember_register_kernels)")
            self._conflicts[name] = [owner, dist]
            self._remove(name)
            return
        self.backends[name] = backend
        if name != "cpu":
            backend._cpu_kernels = self.backends["cpu"].kernels  # live: sees kernels plugins add later
        self._owner[name] = dist
        self._note_undo(lambda: self._remove(name))
        backend.manual_seed(_current_seed)  # as if it had been there at ember.manual_seed()

    def register_kernel(self, device_type: str, op: str, fn) -> None:
        """Add or replace the kernel ``op`` of the backend registered for ``device_type``."""
        if not callable(fn):
            raise TypeError(f"register_kernel() expects a callable kernel for '{op}', got {type(fn).__name__}")
        kernels = self.backend(device_type).kernels
        missing = object()
        old = kernels.get(op, missing)
        kernels[op] = fn
        self._note_undo(lambda: kernels.pop(op) if old is missing else kernels.__setitem__(op, old))

    def _note_undo(self, step) -> None:
        if self._loading is not None:  # a plugin's hook is running: keep a way to take this back
            self._undo.append(step)

    def unregister_backend(self, device_type: str) -> Backend:
        """Remove a backend (tests use it to clean up); tensors already on it keep their data."""
        if device_type == "cpu":
            raise RuntimeError("the CPU backend cannot be unregistered")
        backend = self.backends[device_type]
        self._remove(device_type)
        return backend

    def _remove(self, name: str) -> None:
        self.backends.pop(name, None)
        self._owner.pop(name, None)
        self._current.pop(name, None)
        self._canonical = {k: v for k, v in self._canonical.items() if k[0] != name}
        self._aliases.clear()

    # -- plugins ----------------------------------------------------------------------------
    def register_plugin(self, plugin, dist_name: str) -> None:
        """Register a plugin module (or object) in this process and run its hooks now.

        This is how the CPU backend registers, and how code registers a backend without
        installing a distribution. Errors propagate; installed plugins that fail are only
        warned about (see ``load_plugins``).
        """
        with self._lock:
            self._add_plugins([(dist_name, None, plugin)], strict=True)

    def load_plugins(self) -> None:
        """Load every installed plugin (entry points of group ``ember``), once.

        A plugin that fails to import or whose hooks raise is skipped with a
        ``RuntimeWarning`` naming its distribution and the error; ember keeps working.
        Distributions or entry points named in ``EMBER_BLOCK_PLUGINS`` are not imported.
        """
        with self._lock:
            if self.plugins_loaded:
                return
            self.plugins_loaded = True
            from importlib.metadata import entry_points

            blocked = {_normalize(b.strip()) for b in os.environ.get(BLOCK_ENV, "").split(",") if b.strip()}
            found = []
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                dist = ep.dist.name if ep.dist is not None else ep.name
                if _normalize(dist) in blocked or _normalize(ep.name) in blocked:
                    self.blocked.append(dist)
                    continue
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken plugin must not break ember
                    self._failed(dist, ep.name, exc)
                    continue
                found.append((dist, ep.name, plugin))
            self._add_plugins(found, strict=False)

    def _add_plugins(self, plugins: list[tuple[str, str | None, object]], strict: bool) -> None:
        """Register plugins with pluggy, then run every plugin's backend hook, then kernel hooks.

        ``plugins`` holds (distribution, entry-point name or None, plugin module or object).
        """
        ready = []
        for dist, name, plugin in plugins:
            try:
                self.pm.register(plugin, name=dist if name is None else f"{dist}:{name}")
                self.pm.check_pending()
            except Exception as exc:
                if self.pm.is_registered(plugin):
                    self.pm.unregister(plugin)
                if strict:
                    raise
                self._failed(dist, name, exc)
                continue
            ready.append((dist, name, plugin))
        undo = {id(plugin): [] for _, _, plugin in ready}  # how to take back what each plugin added
        for hook in ("ember_register_backends", "ember_register_kernels"):
            for entry in list(ready):
                dist, name, plugin = entry
                others = [p for p in self.pm.get_plugins() if p is not plugin]
                try:
                    with self._registering(dist, undo[id(plugin)]):
                        self.pm.subset_hook_caller(hook, others)(registry=self)
                except Exception as exc:
                    for step in reversed(undo[id(plugin)]):
                        step()
                    self.pm.unregister(plugin)
                    ready.remove(entry)
                    if strict:
                        raise
                    self._failed(dist, name, exc)

    @contextlib.contextmanager
    def _registering(self, dist: str, undo: list):
        """Run a distribution's hook, noting in ``undo`` how to take back what it registers."""
        self._loading, self._undo = dist, undo
        try:
            yield
        finally:
            self._loading, self._undo = None, []

    def _failed(self, dist: str, name: str | None, exc: BaseException) -> None:
        self.plugin_errors[dist] = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"ember: the plugin '{name}' of distribution '{dist}' failed to load and was skipped "
                      f"({type(exc).__name__}: {exc})", RuntimeWarning, stacklevel=2)

    # -- lookups ----------------------------------------------------------------------------
    def backend(self, device_type: str) -> Backend:
        """The backend for ``device_type``; loads the installed plugins if it is not known yet."""
        found = self.backends.get(device_type)
        if found is None:
            self.load_plugins()
            found = self.backends.get(device_type)
            if found is None:
                raise RuntimeError(self._unknown_message(device_type))
        return found

    def find(self, device_type: str) -> Backend | None:
        """Like ``backend`` but None instead of an error (loads plugins if needed)."""
        if device_type not in self.backends:
            self.load_plugins()
        return self.backends.get(device_type)

    def _unknown_message(self, device_type: str) -> str:
        known = ", ".join(sorted(self.backends, key=lambda t: (t != "cpu", t)))  # cpu first, as PyTorch
        if device_type in self._conflicts:
            a, b = self._conflicts[device_type][:2]
            return (f"device type '{device_type}' is registered by two plugins, {a} and {b}; uninstall "
                    f"one of them or block it with {BLOCK_ENV}={b}")
        dist = INSTALL_HINTS.get(device_type)
        if dist is not None and dist in self.plugin_errors:
            return (f"device type '{device_type}' is not available: the {dist} plugin failed to load "
                    f"({self.plugin_errors[dist]})")
        if dist is not None and dist in self.blocked:
            return f"device type '{device_type}' is not available: the {dist} plugin is blocked by {BLOCK_ENV}"
        if dist is not None:
            return (f"device type '{device_type}' needs the {dist} backend, which is not installed "
                    f"(registered device types: {known}). Install it with: pip install {dist}")
        msg = (f"Expected one of {known} device type at start of device string: {device_type} "
               f"(no installed ember plugin provides '{device_type}'")
        if self.plugin_errors:
            msg += "; plugins that failed to load: " + ", ".join(
                f"{d} ({e})" for d, e in self.plugin_errors.items())
        if self.blocked:
            msg += f"; blocked by {BLOCK_ENV}: " + ", ".join(self.blocked)
        return msg + "; see ember.backends.list())"

    def canonical(self, dev) -> _core.device:
        """The one device object that tensors on ``dev`` carry; checks that it is usable.

        ``dev`` is a device, a string (``"cpu"``, ``"checked:1"``), an int (a CUDA index)
        or None (the CPU). A bare type means its current device (index 0 unless set).
        """
        if dev is None:
            return self.cpu
        if type(dev) is _core.device and dev._kernels is not None:
            return dev
        try:
            return self._aliases[dev]
        except (KeyError, TypeError):
            pass
        spec = dev if isinstance(dev, _core.device) else _core.device(dev)
        backend = self.backend(spec.type)
        if not backend.is_available():
            raise RuntimeError(f"device '{spec}' is not available: {backend.unavailable_reason()}")
        index = spec.index
        if backend.has_index:
            if index is None:
                index = self._current.get(spec.type, 0)
            count = backend.device_count()
            if index >= count:
                raise RuntimeError(f"device '{spec.type}:{index}' is out of range: the '{spec.type}' backend has "
                                   f"{count} device(s), numbered 0 to {count - 1}")
        elif index not in (None, 0):
            raise RuntimeError(f"device type '{spec.type}' has no device index {index}; use '{spec.type}'")
        else:
            index = None
        found = self._canonical.get((spec.type, index))
        if found is None:
            found = _core.device(spec.type, index)
            found._kernels = backend.kernels
            found._backend = backend
            self._canonical[(spec.type, index)] = found
        with contextlib.suppress(TypeError):
            self._aliases[dev] = found
        return found

    def set_current_device(self, device_type: str, index: int) -> None:
        """Make a bare ``device_type`` (``"cuda"``) mean device ``index`` from now on."""
        backend = self.backend(device_type)
        if not backend.has_index:
            raise RuntimeError(f"device type '{device_type}' has no device index")
        self.canonical(_core.device(device_type, index))  # checks the index
        self._current[device_type] = index
        self._aliases.clear()

    def current_device(self, device_type: str) -> int:
        """The index a bare ``device_type`` means (0 unless ``set_current_device`` changed it)."""
        self.backend(device_type)
        return self._current.get(device_type, 0)

    # -- reporting --------------------------------------------------------------------------
    def report(self) -> dict[str, str]:
        """Registered device types, and the plugins that did not load, with the reason."""
        self.load_plugins()
        out = {}
        for name, backend in self.backends.items():
            if backend.is_available():
                n = backend.device_count() if backend.has_index else 1
                out[name] = f"{self._owner[name]}: {n} device{'s' if n != 1 else ''}"
            else:
                out[name] = f"{self._owner[name]}: unavailable ({backend.unavailable_reason()})"
        for name, dists in self._conflicts.items():
            out[name] = f"not usable: registered by both {dists[0]} and {dists[1]}"
        for dist, err in self.plugin_errors.items():
            out[dist] = f"failed to load: {err}"
        for dist in self.blocked:
            out[dist] = f"blocked by {BLOCK_ENV}"
        return out


registry = BackendRegistry()


def list_backends() -> dict[str, str]:
    """What ember can run on: each registered device type with its distribution and device
    count, and each installed plugin that did not load with the reason (loads plugins).

    Example::

        >>> ember.backends.list()
        {'cpu': 'ember-core: 1 device', 'checked': 'ember-checked: 2 devices',
         'ember-broken': 'failed to load: ImportError: No module named pycuda'}
    """
    return registry.report()


def load_plugins() -> None:
    """Load the installed plugins now (ember otherwise does on the first unknown device type)."""
    registry.load_plugins()
