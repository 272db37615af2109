"""The local side of orders_lambda: ``orders serve`` and ``orders invoke``.

Nothing here runs in AWS. The local server turns HTTP requests into the API Gateway REST proxy
events the deployed entrypoints receive and calls those same entrypoints, so what works
locally is what the Lambda functions do. It is also the only place that knows the
development identity headers (:mod:`orders_lambda.local.identity`).
"""
