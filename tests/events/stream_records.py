"""Stream records as Lambda hands them to the publisher, and a publisher that fails on cue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orders_core import FailedEvent, OrderEvent, PublishResult


class FakePublisher:
    """Publishes everything except the events whose ids are in ``failing``."""

    def __init__(self, failing: Sequence[str] = ()) -> None:
        self.failing = set(failing)
        self.calls: list[list[OrderEvent]] = []

    def publish(self, events: Sequence[OrderEvent]) -> PublishResult:
        self.calls.append(list(events))
        return PublishResult(
            published=tuple(e for e in events if e.event_id not in self.failing),
            failed=tuple(
                FailedEvent(e, "InternalFailure") for e in events if e.event_id in self.failing
            ),
        )


def record(sequence: int, name: str, image: dict[str, Any] | None) -> dict[str, Any]:
    change: dict[str, Any] = {"SequenceNumber": str(sequence), "StreamViewType": "NEW_IMAGE"}
    if image is not None:
        change["NewImage"] = image
        change["Keys"] = {"PK": image["PK"], "SK": image["SK"]}
    return {"eventName": name, "eventSource": "aws:dynamodb", "dynamodb": change}
