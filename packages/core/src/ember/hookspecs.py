"""Hook specifications: the plugin author's manual.

A plugin is a module (or object) with functions marked ``@ember.hookimpl`` whose names are
the hooks below. A separately installed distribution makes its plugin known through an
entry point in the group ``ember``::

    [project.entry-points.ember]
    mybackend = "mybackend.plugin"

Hooks are called when ember first needs a device type it does not know (never on
``import ember``, never per op). Each hook receives the registry and adds to it.
"""

import pluggy

hookspec = pluggy.HookspecMarker("ember")
hookimpl = pluggy.HookimplMarker("ember")


@hookspec
def ember_register_backends(registry):
    """Register one or more backends.

    Call ``registry.register_backend(backend)`` for each backend object the plugin
    provides. A backend is an ``ember.backends.Backend`` subclass instance: it names its
    device type (``backend.type``), reports availability and device count, converts to and
    from NumPy, and carries a table of kernels keyed by op name (see the "Writing a
    backend" section of ember-core's README).
    """


@hookspec
def ember_register_kernels(registry):
    """Add or override kernels of a backend that is already registered.

    Call ``registry.register_kernel(device_type, op_name, fn)``. Use it to ship a fused
    kernel for a composite op (say ``"softmax"``) or a faster primitive for an existing
    backend, including the CPU. Runs after every plugin's ``ember_register_backends``.
    """
