"""What every AWS client of the service is made with: a session of its own and explicit
retries and timeouts.

botocore's defaults (legacy retries, a 60-second read timeout) are rarely what a Lambda
function wants, so no client is made without saying how long it waits and how often it
tries. The SDK is imported on call, so importing this module costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config


def session_and_config(
    *,
    max_attempts: int,
    connect_timeout: float,
    read_timeout: float,
    tcp_keepalive: bool = False,
) -> tuple[boto3.session.Session, Config]:
    """A new boto3 session (the default one is not safe to create clients from many threads)
    and a Config with botocore's ``standard`` retry mode: throttling, 5xx and connection
    errors retried with jittered backoff, ``max_attempts`` calls in all."""
    import boto3  # noqa: PLC0415 - the SDK loads only for those who make a client
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        tcp_keepalive=tcp_keepalive,
    )
    return boto3.session.Session(), config


__all__ = ["session_and_config"]
