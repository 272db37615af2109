"""Entrypoints that move orders along their lifecycle on other services' events.

``payments``: SQS batches of ``PAYMENT_COMPLETED`` with partial-batch responses.
``shipments``: EventBridge events ``SHIPMENT_DISPATCHED`` and ``SHIPMENT_DELIVERED``.

Both lean on the idempotent, order-tolerant transitions in core (MarkPaid, MarkShipped,
MarkDelivered): a redelivered message changes nothing, a late one cannot move an order back.
"""
