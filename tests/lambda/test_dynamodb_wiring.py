"""The AWS wiring, end to end on a moto server: the container built from the environment alone
(DynamoDB store, Powertools' DynamoDB idempotency layer on IDEMPOTENCY_TABLE), no overrides."""

from __future__ import annotations

from typing import Any

import pytest

from orders_adapters.dynamodb import DynamoDbOrderRepository
from orders_lambda import container as containers
from tests.support.apigw import NEW_ORDER, OTHER_CUSTOMER, FakeLambdaContext, invoke, rest_event

pytestmark = pytest.mark.integration


def test_orders_and_idempotency_records_live_in_dynamodb(
    aws_container: containers.Container,
) -> None:
    assert isinstance(aws_container.repo(), DynamoDbOrderRepository)
    context = FakeLambdaContext()

    def post(body: object = NEW_ORDER, **event: Any) -> tuple[int, dict[str, str], str]:
        answer = invoke(
            rest_event("POST", "/orders", body=body, headers={"Idempotency-Key": "k"}, **event),
            context,
        )
        return answer.status, dict(answer.headers), answer.text

    first, again = post(), post()
    assert (first[0], again[0]) == (201, 201)
    assert again[2] == first[2]
    assert again[1].get("idempotent-replayed") == "true"
    assert post(body={**NEW_ORDER, "currency": "USD"})[0] == 422
    assert post(claims=OTHER_CUSTOMER)[1].get("idempotent-replayed") is None

    listed = invoke(rest_event("GET", "/orders"), context)
    assert len(listed.json["items"]) == 1
    order_id = listed.json["items"][0]["id"]
    assert invoke(rest_event("GET", f"/orders/{order_id}"), context).header("ETag") == '"1"'
