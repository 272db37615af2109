"""orders_lambda: the HTTP face of the orders service on AWS Lambda.

Thin entrypoints (``orders_lambda.entrypoints.*``) over one shared resolver and error mapping,
wired by one dependency-injector container built on the first invocation. ``routes`` lists
every operation and is cheap to import (the Pulumi program and the local server read it).
"""
