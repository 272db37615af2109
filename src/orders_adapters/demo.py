"""A short walk through the library on the SQLite store: place, pay and list orders.

Run with ``orders-demo [--db PATH]``; the database persists, so a second run lists the
orders of the first one too.
"""

from __future__ import annotations

import argparse
from decimal import Decimal

from orders_adapters.sqlite import SqliteOrderRepository
from orders_adapters.system import RandomOrderIds, SystemClock
from orders_core import (
    CustomerTier,
    FixedDiscounts,
    ListOrders,
    MarkPaid,
    NewLine,
    PlaceOrder,
    Principal,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="orders-demo.sqlite3", help="SQLite file to use")
    args = parser.parse_args(argv)

    repo = SqliteOrderRepository(args.db)
    clock, ids = SystemClock(), RandomOrderIds()
    place = PlaceOrder(repo, FixedDiscounts(premium=Decimal(10)), clock, ids)
    pay = MarkPaid(repo, clock)
    list_orders = ListOrders(repo)

    alice = Principal.customer("customer-alice", CustomerTier.PREMIUM)
    payments = Principal.staff("service:payments")

    order = place(
        alice,
        currency="EUR",
        lines=[NewLine("BOOK-42", 2, "12.50"), NewLine("PEN-7", 3, "1.99")],
    )
    print(f"placed  {order.id}  subtotal {order.subtotal}  discount {order.discount}")
    paid = pay(payments, order.id).order
    print(f"paid    {paid.id}  status {paid.status}  version {paid.version}")

    page = list_orders(alice, limit=5)
    print(f"{alice.id} has these orders, newest first:")
    for item in page.items:
        print(f"  {item.created_at:%Y-%m-%d %H:%M:%S}  {item.id}  {item.status:<9}  {item.total}")
    if page.next_cursor:
        print("  (more on the next page)")
    repo.close()


if __name__ == "__main__":
    main()
