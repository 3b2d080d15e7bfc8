"""Hook specifications: the plugin author's manual.

A plugin is a module whose functions named after the hooks below are marked with
``@hookimpl`` (``from ember.hookspecs import hookimpl``). A distribution makes its plugin
known through an entry point in the group ``ember``::

    [project.entry-points.ember]
    mydevice = "ember_mydevice"

ember imports the plugin the first time a program asks for a device type that is not
registered yet (never on ``import ember``, never per op), calls every plugin's
``ember_register_backends``, then every plugin's ``ember_register_kernels``. A plugin that
fails to import, defines a hook not listed here (a misspelling) or raises in a hook is
skipped with a ``RuntimeWarning`` naming its distribution; whatever it registered is taken
back. The CPU backend registers through the same hook (``ember.backends.cpu``).
"""

import pluggy

hookspec = pluggy.HookspecMarker("ember")
hookimpl = pluggy.HookimplMarker("ember")


@hookspec
def ember_register_backends(registry) -> None:
    """Register the plugin's device backends.

    Call ``registry.register_backend(backend)`` once per backend: an instance of an
    ``ember.backends.Backend`` subclass that names its device type (``backend.type``, the
    word users write in ``device="..."``), reports availability and device count, converts
    to and from NumPy and carries its kernel table (see "Writing a backend" in ember-core's
    README). If the backend cannot work in this process (no driver, no GPU), register it
    anyway and return False from ``is_available()`` with a reason from
    ``unavailable_reason()``: users then get that reason instead of "unknown device".

    Two distributions that register the same device type make it unusable, with an error
    naming both, until one is uninstalled or blocked (``EMBER_BLOCK_PLUGINS``). A type that
    ember-core (``cpu``) or the same distribution already registered stays with its owner:
    registering it again raises ``RuntimeError`` and the plugin is skipped with a warning;
    change the CPU's kernels with ``ember_register_kernels`` instead. A backend that
    implements only some kernels sets ``fallback = "cpu"`` rather than copying the CPU's
    table, which would miss kernels other plugins add to the CPU later.

    Example::

        @hookimpl
        def ember_register_backends(registry):   # examples/custom_backend, ember-checked
            registry.register_backend(CheckedBackend(registry.backend("cpu").kernels))
    """


@hookspec
def ember_register_kernels(registry) -> None:
    """Add or replace kernels of a backend that is registered, yours or another's.

    Call ``registry.register_kernel(device_type, op_name, fn)``: use it for a fused kernel
    of a composite op (``"softmax"``; core's composite uses it when present) or a faster
    primitive for an existing backend, the CPU included. Runs after every plugin's
    ``ember_register_backends``, so the backends of all installed plugins exist; check
    ``device_type in registry.backends`` to add kernels to an optional one.

    Example::

        @hookimpl
        def ember_register_kernels(registry):
            registry.register_kernel("cpu", "softmax", my_fused_softmax)
    """


@hookspec
def ember_register_collective_backends(registry) -> None:
    """Register the plugin's collective backends for ``ember.distributed``.

    Call ``registry.register_backend(backend)`` once per backend: an object with ``name``
    (what users pass as ``init_process_group(backend=...)``), ``devices`` (the device types
    whose tensors it carries), ``is_available()``, ``unavailable_reason()`` and
    ``create(rank, world_size, timeout)`` returning an ``ember.distributed.ProcessGroup``
    (called with ``init_method=`` as well when the user gave a ``tcp://host:port`` address).
    ember-core registers ``mpi`` this way. Runs the first time a program asks for a collective
    backend that is not registered yet (``init_process_group`` with another name).

    Example::

        @hookimpl
        def ember_register_collective_backends(registry):
            registry.register_backend(NcclBackend())
    """
