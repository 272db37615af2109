"""The orders table's shape, in one place: the DynamoDB adapter (through
``orders_adapters.table_definition``), the tests, the local server and the Pulumi program all
read it from here, so they cannot drift apart.

Plain data, no boto3: importing it costs nothing.

Items:

- order:  ``PK=ORDER#<id>``, ``SK=ORDER``, ``GSI1PK=CUSTOMER#<customer id>``,
  ``GSI1SK=<created_at>#<id>`` (a customer's orders, newest first, by Query on GSI1), and
  ``GSI2PK=STATUS#<status>#CUSTOMER#<customer id>``, ``GSI2SK`` the same as ``GSI1SK`` (one
  status of a customer's orders, by Query on GSI2, so a status filter needs no
  FilterExpression and its pages are as full as unfiltered ones); while the order is PENDING
  with a payment deadline, also ``GSI3PK=DUE#PENDING``, ``GSI3SK=<payment_due>#<id>`` (the
  expiry index: the orders due by a time, earliest first, by one Query on GSI3; sparse, so a
  paid, cancelled or deadline-less order is not in it, and keys only, as the caller re-reads
  each order anyway). One partition takes every pending order: its writes are one per
  placement and one per leaving PENDING, far below a partition's throughput at this service's
  order rates; a shop placing thousands of orders a second would shard the key.
- outbox event: ``PK=ORDER#<id>``, ``SK=EVENT#<version, zero-padded>``, with ``expires_at``
  (epoch seconds) for TTL; written in the same transaction as the change it records, read by
  the stream publisher.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal


@dataclass(frozen=True, slots=True)
class GlobalIndex:
    name: str
    partition_key: str
    sort_key: str
    projection: Literal["ALL", "KEYS_ONLY", "INCLUDE"]


@dataclass(frozen=True, slots=True)
class TableDefinition:
    partition_key: str
    sort_key: str | None
    indexes: tuple[GlobalIndex, ...]
    ttl_attribute: str
    # What the outbox publisher needs to see on the stream; None for no stream.
    stream_view_type: Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"] | None
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"]

    def key_attributes(self) -> tuple[str, ...]:
        """Every attribute that is a key of the table or an index (all strings)."""
        names = [self.partition_key, self.sort_key]
        for index in self.indexes:
            names += [index.partition_key, index.sort_key]
        return tuple(dict.fromkeys(n for n in names if n))


CUSTOMER_INDEX: Final = GlobalIndex(
    name="GSI1", partition_key="GSI1PK", sort_key="GSI1SK", projection="ALL"
)
CUSTOMER_STATUS_INDEX: Final = GlobalIndex(
    name="GSI2", partition_key="GSI2PK", sort_key="GSI2SK", projection="ALL"
)
DUE_INDEX: Final = GlobalIndex(
    name="GSI3", partition_key="GSI3PK", sort_key="GSI3SK", projection="KEYS_ONLY"
)

ORDERS_TABLE: Final = TableDefinition(
    partition_key="PK",
    sort_key="SK",
    indexes=(CUSTOMER_INDEX, CUSTOMER_STATUS_INDEX, DUE_INDEX),
    ttl_attribute="expires_at",
    stream_view_type="NEW_IMAGE",
    billing_mode="PAY_PER_REQUEST",
)

# The fixed parts of the orders table's keys (the variable parts are ids, times, versions).
ORDER_KEY_PREFIX: Final = "ORDER#"
ORDER_SORT_KEY: Final = "ORDER"
EVENT_KEY_PREFIX: Final = "EVENT#"
CUSTOMER_KEY_PREFIX: Final = "CUSTOMER#"
STATUS_KEY_PREFIX: Final = "STATUS#"
DUE_PARTITION: Final = "DUE#PENDING"

# Powertools idempotency's DynamoDB persistence layer expects a table keyed by "id" alone.
IDEMPOTENCY_TABLE: Final = TableDefinition(
    partition_key="id",
    sort_key=None,
    indexes=(),
    ttl_attribute="expiration",
    stream_view_type=None,
    billing_mode="PAY_PER_REQUEST",
)
