"""The Pulumi program that deploys the orders service, one stack per environment.

Not part of the installed distribution: the Pulumi CLI runs ``__main__.py`` from this folder,
and the tests import ``deploy_pulumi.orders_stack`` with the repository root on ``sys.path``.
"""
