"""Hypothesis profiles for the whole suite.

``default`` keeps the property tier fast on a small CI machine; ``thorough`` (select with
``HYPOTHESIS_PROFILE=thorough``) runs many more examples when hunting a bug.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=1_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Session-scoped moto servers and per-test DynamoDB tables, for the contract and integration
# tiers; a server process starts only when a test asks for one.
pytest_plugins = ["tests.support.dynamodb_fixtures"]
