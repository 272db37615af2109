"""The errors core raises. Adapters translate infrastructure failures into these; only the
Lambda layer turns them into HTTP responses."""

from __future__ import annotations

from collections.abc import Mapping


class OrdersError(Exception):
    """Base of every error the orders library raises on purpose."""

    code = "ORDERS_ERROR"


class InvalidInput(OrdersError):
    """The caller gave a value that breaks a rule; ``fields`` maps field paths to reasons."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies met in one calculation or one order."""

    code = "CURRENCY_MISMATCH"


class OrderNotFound(OrdersError):
    """No such order, or one the principal may not see (existence is not leaked)."""

    code = "ORDER_NOT_FOUND"


class OrderAlreadyExists(OrdersError):
    """An order with this id is already stored."""

    code = "ORDER_ALREADY_EXISTS"


class VersionConflict(OrdersError):
    """The stored order is not at the version the caller expected."""

    code = "VERSION_CONFLICT"


class IllegalTransition(OrdersError):
    """The order's status does not allow this change."""

    code = "ILLEGAL_TRANSITION"


class PaymentMismatch(IllegalTransition):
    """A payment that does not match the order's total (amount or currency): the order is
    not marked paid by it."""

    code = "PAYMENT_MISMATCH"


class PermissionDenied(OrdersError):
    """The principal may not perform this operation at all (for example a customer marking
    an order paid)."""

    code = "PERMISSION_DENIED"


class InvalidCursor(OrdersError):
    """A page cursor that is malformed, tampered with, or issued for another query."""

    code = "INVALID_CURSOR"


class StoreUnavailable(OrdersError):
    """The store could not be reached or refused for capacity; retrying later may succeed."""

    code = "STORE_UNAVAILABLE"
    retryable = True


class StoreError(OrdersError):
    """The store failed in a way a retry will not fix: it refused the request (permissions,
    a missing table, a malformed request) or holds an item that cannot be read. A fault of the
    deployment or the data, not of the caller; reported, never retried blindly."""

    code = "STORE_ERROR"


class InvalidConfiguration(OrdersError):
    """A setting the service was built with breaks a rule (for example a discount of 10.5 as a
    float, or a negative percent). Raised where the setting is built, so a misconfigured
    service fails at start-up; never the caller's fault, so never reported as invalid input."""

    code = "INVALID_CONFIGURATION"
