"""The custom metrics the functions emit (Powertools Metrics, in the settings' namespace).

One place for the names, so the code that counts and the alarms and dashboards in
``deploy_pulumi`` cannot drift apart. Every metric carries the ``service`` dimension; the
extra dimensions are given per name.
"""

from __future__ import annotations

from typing import Final

ORDERS_PLACED: Final = "OrdersPlaced"
ORDER_VALUE: Final = "OrderValue"  # per ``currency``, in major units
ORDERS_CANCELLED: Final = "OrdersCancelled"
ERRORS_BY_CODE: Final = "Errors"  # per ``code``: the error code of each 4xx/5xx answer
FLAG_FAILURES: Final = "FlagsFailures"  # per ``reason``: one of FLAG_FAILURE_REASONS
EVENTS_NOT_PUBLISHED: Final = "EventsNotPublished"  # stream records left to the retry
MESSAGES_REJECTED: Final = "MessagesRejected"  # per ``consumer`` and ``reason``

# Why flags could not be used: AppConfig failed, its document is invalid, or a rule broke
# (orders_adapters.appconfig.FailureReason; a test keeps the two the same).
FLAG_FAILURE_REASONS: Final = ("unavailable", "invalid", "evaluation")

__all__ = [
    "ERRORS_BY_CODE",
    "EVENTS_NOT_PUBLISHED",
    "FLAG_FAILURES",
    "FLAG_FAILURE_REASONS",
    "MESSAGES_REJECTED",
    "ORDERS_CANCELLED",
    "ORDERS_PLACED",
    "ORDER_VALUE",
]
