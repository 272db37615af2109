"""The custom metrics the functions emit (Powertools Metrics, in the settings' namespace).

One place for the names, so the code that counts and the alarms and dashboards in
``deploy_pulumi`` cannot drift apart. Every metric carries the ``service`` dimension; the
extra dimensions are given per name. Importing this module imports nothing else.
"""

from __future__ import annotations

from typing import Final

ORDERS_PLACED: Final = "OrdersPlaced"
ORDER_VALUE: Final = "OrderValue"  # per ``currency``, in major units
ORDERS_CANCELLED: Final = "OrdersCancelled"
ERRORS_BY_CODE: Final = "Errors"  # per ``code``: the error code of each 4xx/5xx answer
FLAG_FAILURES: Final = "FlagsFailures"  # per ``reason``: orders_adapters.appconfig.FAILURE_REASONS
EVENTS_NOT_PUBLISHED: Final = "EventsNotPublished"  # stream records left to the retry
MESSAGES_REJECTED: Final = "MessagesRejected"  # per ``consumer`` and ``reason``

__all__ = [
    "ERRORS_BY_CODE",
    "EVENTS_NOT_PUBLISHED",
    "FLAG_FAILURES",
    "MESSAGES_REJECTED",
    "ORDERS_CANCELLED",
    "ORDERS_PLACED",
    "ORDER_VALUE",
]
