"""orders_core: the orders domain as a library (standard library only).

Import what you need from here; the submodules are an implementation detail::

    from orders_core import NewLine, PlaceOrder, Principal

Two modules are public too: ``orders_core.rules`` states the input rules (its names are also
exported here) and ``orders_core.testing`` is the test kit (a manual clock, sequential ids,
an event recorder and an order builder), standard library only like the rest.

The use cases are exported as their module lists them (``use_cases.__all__``, added to this
package's ``__all__`` in the form type checkers read), so a new use case is exported where it
is written; everything else is listed here by name.
"""

from orders_core import use_cases
from orders_core.cursor import MAX_CURSOR_LENGTH, CursorCodec
from orders_core.errors import (
    CurrencyMismatch,
    IllegalTransition,
    InvalidConfiguration,
    InvalidCursor,
    InvalidInput,
    OrderAlreadyExists,
    OrderNotFound,
    OrdersError,
    PaymentMismatch,
    PermissionDenied,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from orders_core.idempotency import KEY_PATTERN, MAX_KEY_LENGTH, IdempotencyKeyReused
from orders_core.money import MAX_ABS_AMOUNT, ROUNDING, Money
from orders_core.order import (
    ALLOWED_TRANSITIONS,
    DELETABLE,
    CancelReason,
    Discount,
    EventType,
    Order,
    OrderEvent,
    OrderId,
    OrderLine,
    OrderStatus,
    event_id_for,
)
from orders_core.ports import (
    DEFAULT_PAYMENT_DEADLINE,
    MAX_DUE_BATCH,
    MAX_PAGE_SIZE,
    MAX_PAYMENT_DEADLINE,
    MIN_PAYMENT_DEADLINE,
    Clock,
    EventLog,
    EventPublisher,
    ExpiryIndex,
    FailedEvent,
    FixedDiscounts,
    FixedPaymentDeadline,
    IdGenerator,
    NoDiscounts,
    OrderRepository,
    Page,
    PaymentDeadlinePolicy,
    PricingPolicy,
    PublishResult,
    RecordListing,
    RecordPage,
    event_log_key,
)
from orders_core.principals import CustomerId, CustomerTier, Principal, Role
from orders_core.rules import (
    CURRENCY_MINOR_UNITS,
    MAX_DISCOUNTS,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_TOTAL_DISCOUNT_PERCENT,
    MAX_UNIT_PRICE,
    ORDER_ID_PATTERN,
    SKU_PATTERN,
    SUPPORTED_CURRENCIES,
)
from orders_core.timestamps import format_time, parse_time, utc
from orders_core.use_cases import *  # noqa: F403 - the use cases: use_cases.__all__, added below

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CURRENCY_MINOR_UNITS",
    "DEFAULT_PAYMENT_DEADLINE",
    "DELETABLE",
    "KEY_PATTERN",
    "MAX_ABS_AMOUNT",
    "MAX_CURSOR_LENGTH",
    "MAX_DISCOUNTS",
    "MAX_DUE_BATCH",
    "MAX_KEY_LENGTH",
    "MAX_LINES",
    "MAX_PAGE_SIZE",
    "MAX_PAYMENT_DEADLINE",
    "MAX_QUANTITY",
    "MAX_TOTAL_DISCOUNT_PERCENT",
    "MAX_UNIT_PRICE",
    "MIN_PAYMENT_DEADLINE",
    "ORDER_ID_PATTERN",
    "ROUNDING",
    "SKU_PATTERN",
    "SUPPORTED_CURRENCIES",
    "CancelReason",
    "Clock",
    "CurrencyMismatch",
    "CursorCodec",
    "CustomerId",
    "CustomerTier",
    "Discount",
    "EventLog",
    "EventPublisher",
    "EventType",
    "ExpiryIndex",
    "FailedEvent",
    "FixedDiscounts",
    "FixedPaymentDeadline",
    "IdGenerator",
    "IdempotencyKeyReused",
    "IllegalTransition",
    "InvalidConfiguration",
    "InvalidCursor",
    "InvalidInput",
    "Money",
    "NoDiscounts",
    "Order",
    "OrderAlreadyExists",
    "OrderEvent",
    "OrderId",
    "OrderLine",
    "OrderNotFound",
    "OrderRepository",
    "OrderStatus",
    "OrdersError",
    "Page",
    "PaymentDeadlinePolicy",
    "PaymentMismatch",
    "PermissionDenied",
    "PricingPolicy",
    "Principal",
    "PublishResult",
    "RecordListing",
    "RecordPage",
    "Role",
    "StoreError",
    "StoreUnavailable",
    "VersionConflict",
    "event_id_for",
    "event_log_key",
    "format_time",
    "parse_time",
    "utc",
]
__all__ += use_cases.__all__
