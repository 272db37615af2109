"""``Idempotency-Key`` for commands, on Powertools idempotency.

The record's key is the header's value *scoped to the caller* (two customers may pick the same
key), never the whole body; the body is checked separately (payload validation), so the same
key with another body is refused (422) rather than replayed. While the first call runs, a
retry gets 409 with Retry-After; once it completed, a retry gets the stored reply again, marked
with ``Idempotent-Replayed: true``. The Lambda context is registered on every call, so a call
that timed out stops blocking retries when its Lambda time is up, not when the record expires.

Only replies of successful calls are stored: an error leaves nothing behind, so a corrected
retry with the same key goes through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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

from orders_core import StoreUnavailable
from orders_lambda.http.app import Reply
from orders_lambda.http.errors import (
    RETRY_AFTER_SECONDS,
    BadRequest,
    IdempotencyInProgress,
    IdempotencyKeyReused,
)

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
_KEY: Final = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as header values are


def check_key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise BadRequest(
            f"{HEADER} must be 1-255 visible ASCII characters",
            fields={HEADER: "1-255 visible ASCII characters"},
        )
    return value


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


__all__ = ["HEADER", "REPLAYED_HEADER", "IdempotentCommand", "check_key"]
