"""One Lambda entrypoint per operation, each a module exposing ``handler(event, context)``.

Each imports only what its route needs; see ``orders_lambda.routes`` for the full list.
"""
