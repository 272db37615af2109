"""The item mapping round-trips every order and event exactly, in memory and over the wire."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders_adapters.dynamodb import (
    RECORD_ATTRIBUTE,
    VERSION_ATTRIBUTE,
    event_from_item,
    event_item,
    from_attribute,
    is_event_item,
    order_from_item,
    order_item,
    order_key,
)
from orders_adapters.shared import sort_key
from orders_adapters.table_definition import CUSTOMER_INDEX, CUSTOMER_STATUS_INDEX, ORDERS_TABLE
from orders_adapters.testing.strategies import order_events, orders
from orders_core import Order, OrderEvent
from tests.support.legacy_items import to_attribute

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_nested_attribute_values_read_as_the_values_written(value: Any) -> None:
    assert from_attribute(to_attribute(value)) == value


@given(orders())
def test_an_order_item_maps_back_to_the_same_order(order: Order) -> None:
    assert order_from_item(order_item(order)).to_record() == order.to_record()


@given(orders())
def test_an_order_item_carries_its_table_and_index_keys(order: Order) -> None:
    item = order_item(order)
    assert {k: item[k] for k in order_key(order.id)} == order_key(order.id)
    position = {"S": sort_key(order)}
    assert item[CUSTOMER_INDEX.partition_key] == {"S": f"CUSTOMER#{order.customer_id}"}
    assert item[CUSTOMER_INDEX.sort_key] == position
    assert item[CUSTOMER_STATUS_INDEX.partition_key] == {
        "S": f"STATUS#{order.status.value}#CUSTOMER#{order.customer_id}"
    }
    assert item[CUSTOMER_STATUS_INDEX.sort_key] == position
    assert not is_event_item(item)


@given(orders())
def test_an_order_item_is_its_keys_its_version_and_its_record_as_one_string(order: Order) -> None:
    item = order_item(order)
    keys = set(ORDERS_TABLE.key_attributes())
    assert set(item) - keys == {VERSION_ATTRIBUTE, RECORD_ATTRIBUTE}
    assert item[VERSION_ATTRIBUTE] == {"N": str(order.version)}
    assert json.loads(item[RECORD_ATTRIBUTE]["S"]) == order.to_record()
    assert all(set(value) == {"S"} for name, value in item.items() if name in keys)


@given(order_events(), st.integers(0, 2**40))
def test_an_outbox_item_maps_back_to_the_same_event(event: OrderEvent, expires_at: int) -> None:
    item = event_item(event, expires_at=expires_at)
    assert event_from_item(item) == event
    assert is_event_item(item)
    assert item[ORDERS_TABLE.ttl_attribute] == {"N": str(expires_at)}
    assert item["SK"] == {"S": f"EVENT#{event.order_version:010d}"}
    assert set(item) == {"PK", "SK", RECORD_ATTRIBUTE, ORDERS_TABLE.ttl_attribute}
    assert json.loads(item[RECORD_ATTRIBUTE]["S"]) == event.to_record()


@pytest.mark.integration
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=orders(), event=order_events())
def test_items_survive_a_trip_through_dynamodb(
    dynamodb_client: DynamoDBClient, orders_table: str, order: Order, event: OrderEvent
) -> None:
    # Overwriting is fine here: each example reads back exactly what it just wrote.
    dynamodb_client.put_item(TableName=orders_table, Item=order_item(order))
    stored = dynamodb_client.get_item(
        TableName=orders_table, Key=order_key(order.id), ConsistentRead=True
    )["Item"]
    assert order_from_item(stored).to_record() == order.to_record()
    written = event_item(event, expires_at=1)
    dynamodb_client.put_item(TableName=orders_table, Item=written)
    key = {name: written[name] for name in ("PK", "SK")}
    stored = dynamodb_client.get_item(TableName=orders_table, Key=key, ConsistentRead=True)["Item"]
    assert event_from_item(stored) == event
