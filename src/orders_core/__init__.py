"""orders_core: the orders domain as a library (standard library only).

Import what you need from here; the submodules are an implementation detail::

    from orders_core import NewLine, PlaceOrder, Principal
"""

from orders_core.cursor import CursorCodec
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
from orders_core.money import ROUNDING, Money
from orders_core.order import (
    Discount,
    EventType,
    Order,
    OrderEvent,
    OrderId,
    OrderLine,
    OrderStatus,
)
from orders_core.ports import (
    MAX_PAGE_SIZE,
    Clock,
    FixedDiscounts,
    IdGenerator,
    NoDiscounts,
    OrderRepository,
    Page,
    PricingPolicy,
)
from orders_core.principals import CustomerId, CustomerTier, Principal, Role
from orders_core.use_cases import (
    CancelOrder,
    DeleteOrder,
    GetOrder,
    ListOrders,
    MarkDelivered,
    MarkPaid,
    MarkShipped,
    NewLine,
    PlaceOrder,
    Transition,
    UpdateOrderLines,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "ROUNDING",
    "CancelOrder",
    "Clock",
    "CurrencyMismatch",
    "CursorCodec",
    "CustomerId",
    "CustomerTier",
    "DeleteOrder",
    "Discount",
    "EventType",
    "FixedDiscounts",
    "GetOrder",
    "IdGenerator",
    "IllegalTransition",
    "InvalidConfiguration",
    "InvalidCursor",
    "InvalidInput",
    "ListOrders",
    "MarkDelivered",
    "MarkPaid",
    "MarkShipped",
    "Money",
    "NewLine",
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
    "PaymentMismatch",
    "PermissionDenied",
    "PlaceOrder",
    "PricingPolicy",
    "Principal",
    "Role",
    "StoreError",
    "StoreUnavailable",
    "Transition",
    "UpdateOrderLines",
    "VersionConflict",
]
