"""A stand-in for the Lambda context object, for entrypoints run outside Lambda."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Final

LOCAL_REGION: Final = "local"
LOCAL_ACCOUNT: Final = "000000000000"


@dataclass(slots=True)
class LocalLambdaContext:
    """The attributes Powertools and our handlers read from a Lambda context.

    ``get_remaining_time_in_millis`` counts down from ``timeout_seconds`` like Lambda's, so
    the idempotency layer can register an in-flight record with a realistic expiry.
    """

    function_name: str
    timeout_seconds: float = 30.0
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


__all__ = ["LocalLambdaContext"]
