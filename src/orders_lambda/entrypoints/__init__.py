"""Every Lambda entrypoint: one module per function, each exposing ``handler(event, context)``.

The HTTP operations (one per route of ``orders_lambda.routes``), the docs, the two event
consumers (``payments``, ``shipments``) and the outbox ``publisher``. These modules, and only
these (with the local tools that play Lambda), import the composition root,
:mod:`orders_lambda.bootstrap`.
"""
