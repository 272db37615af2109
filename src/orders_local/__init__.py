"""orders_local: the service on a developer's machine (``orders serve``, ``orders invoke``,
``orders events``, ``orders dlq``).

Nothing here runs in AWS, and the Lambda artifact leaves this package out. The local server
turns HTTP requests into the API Gateway REST proxy events the deployed entrypoints receive and
calls those same entrypoints, so what works locally is what the Lambda functions do. It is also
the only place that knows the development identity headers (:mod:`orders_local.identity`).
"""
