"""The service manifest: the facts the runtime and the infrastructure share, as plain data.

Operations, functions and their grants (:mod:`~orders_manifest.operations`), environment
variable names (:mod:`~orders_manifest.environment`), metric names
(:mod:`~orders_manifest.metrics`), event sources and types (:mod:`~orders_manifest.events`),
error codes (:mod:`~orders_manifest.errors`), the tables (:mod:`~orders_manifest.tables`), the
flags document's rules (:mod:`~orders_manifest.flags`) and the request body schemas
(:mod:`~orders_manifest.schemas`).

Standard library only, and importing the package imports none of its modules: the Pulumi
program reads it with nothing but pulumi and pulumi-aws installed, and a Lambda entrypoint
pays only for the module it uses.
"""
