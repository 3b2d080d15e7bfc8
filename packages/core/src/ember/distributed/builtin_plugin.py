"""ember-core's collective backends, registered through the plugin hook like any plugin's."""

from ember.distributed.mpi import MPIBackend
from ember.hookspecs import hookimpl


@hookimpl
def ember_register_collective_backends(registry) -> None:
    registry.register_backend(MPIBackend())
