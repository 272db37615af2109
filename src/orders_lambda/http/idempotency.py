"""``Idempotency-Key`` for commands, on Powertools idempotency.

What makes a keyed create exactly-once is not this layer but the order id derived from the
caller and the key (``orders_core.idempotency``): every attempt proposes the same id, the
store's conditional add lets one of them write, and the others replay the stored order. This
layer sits in front of that and serves two things:

- while a call with the key is running, a retry gets 409 with Retry-After instead of racing
  it (the race would be harmless, only wasteful);
- once a call completed, a retry gets the stored reply again, marked with
  ``Idempotent-Replayed: true``, without reaching the order store.

Its record is a separate write from the order, so a crash between them can leave the record
in progress with the order stored. Retries then get 409 until the claim lapses (the Lambda
context is registered on every call, so that is when the crashed call's Lambda time is up, not
when the record expires), and the next attempt replays the stored order. A record that is
lost or expired costs one failed conditional write, never a second order.

The record's key is the header's value *scoped to the caller* (two customers may pick the same
key), never the whole body; the payload it validates is the order's currency and lines as core
reads them (:func:`order_payload`), so the same key with another order is refused (422) rather
than replayed, on this layer and on the store's alike. Only replies of successful calls are
stored: an error leaves nothing behind, so a corrected retry with the same key goes through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from orders_core import KEY_PATTERN, MAX_KEY_LENGTH, OrderLine, StoreUnavailable
from orders_lambda.http.errors import (
    RETRY_AFTER_SECONDS,
    BadRequest,
    IdempotencyInProgress,
    IdempotencyKeyReused,
)
from orders_lambda.http.shapes import Reply

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"


def check_key(value: str) -> str:
    """The header's value; 400 if it can't be a key (core's rule, told as a bad header)."""
    if not KEY_PATTERN.fullmatch(value):
        raise BadRequest(
            f"{HEADER} must be 1-{MAX_KEY_LENGTH} visible ASCII characters",
            fields={HEADER: f"1-{MAX_KEY_LENGTH} visible ASCII characters"},
        )
    return value


def order_payload(currency: str, lines: Sequence[OrderLine]) -> dict[str, Any]:
    """What two attempts with one key must agree on: the order's currency and lines, prices
    as amounts (``"10"`` and ``"10.00"`` are one price), as core compares a stored order."""
    return {
        "currency": currency,
        "lines": [[line.sku, line.quantity, str(line.unit_price.amount)] for line in lines],
    }


def _mark_replay(response: Any, idempotent_data: DataRecord) -> Any:
    del idempotent_data  # the stored reply says all we need
    if isinstance(response, dict):
        response.setdefault("headers", {})[REPLAYED_HEADER] = "true"
    return response


class IdempotentCommand:
    """Runs a command at most once per (caller, key) while the record lives."""

    def __init__(
        self, store: BasePersistenceLayer, *, expires_after_seconds: int, name: str = "orders"
    ) -> None:
        self._config = IdempotencyConfig(
            event_key_jmespath="[scope, key]",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
            response_hook=_mark_replay,
        )
        self._run = idempotent_function(
            data_keyword_argument="request",
            persistence_store=store,
            config=self._config,
            key_prefix=f"{name}.idempotent-command",
        )(self._execute)

    @staticmethod
    def _execute(request: dict[str, Any], command: Callable[[], Reply]) -> dict[str, Any]:
        # ``request`` is what Powertools keys and validates on; the command closes over it.
        del request
        return command().to_record()

    def __call__(
        self,
        *,
        key: str,
        scope: str,
        payload: Any,
        context: Any,
        command: Callable[[], Reply],
    ) -> Reply:
        self._config.register_lambda_context(context)
        request = {"scope": scope, "key": check_key(key), "payload": payload}
        try:
            record = self._run(request=request, command=command)
        except IdempotencyValidationError:
            raise IdempotencyKeyReused(
                f"this {HEADER} was already used with a different request body"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise IdempotencyInProgress(
                f"a request with this {HEADER} is still being processed; retry shortly",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None
        except IdempotencyPersistenceLayerError as exc:
            raise StoreUnavailable("the idempotency store failed") from exc
        return Reply.from_record(record)


__all__ = ["HEADER", "REPLAYED_HEADER", "IdempotentCommand", "check_key", "order_payload"]
