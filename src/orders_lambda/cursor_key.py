"""The cursor signing key of a deployed function, read from AWS Secrets Manager.

Deployed, the key is never a plain environment variable: only the function that signs and
checks list cursors is told the secret's name (``ORDERS_CURSOR_KEY_SECRET``) and may read it.
Powertools Parameters keeps the value in memory for ``max_age`` seconds, and the repository
that uses it is built once per execution environment, so a warm invocation never calls Secrets
Manager. This module is imported only when that variable is set: no other function pays for
Powertools Parameters or a Secrets Manager client at cold start.
"""

from __future__ import annotations

from typing import Any, Final

from aws_lambda_powertools.utilities import parameters

from orders_lambda.settings import MIN_CURSOR_KEY_LENGTH, SettingsError, env_name

# A deployed function reads one pinned version, which never changes under that id: a long cache
# is safe, and a new key reaches the function as a new version id, i.e. a new configuration.
CACHE_SECONDS: Final = 24 * 60 * 60


def read_cursor_key(secret_id: str, *, version_id: str | None = None) -> bytes:
    """The key held by ``secret_id`` (at ``version_id`` when given), from Powertools' cache.

    Raises SettingsError, naming the variable, when the secret holds no usable key; a failure
    to reach Secrets Manager propagates as Powertools' ``GetParameterError``.
    """
    options: dict[str, Any] = {"VersionId": version_id} if version_id else {}
    value = parameters.get_secret(secret_id, max_age=CACHE_SECONDS, **options)
    key = value.encode() if isinstance(value, str) else value
    if not isinstance(key, bytes) or len(key) < MIN_CURSOR_KEY_LENGTH:
        # The value itself is never put in the message.
        raise SettingsError(
            f"the secret named by {env_name('cursor_key_secret')} must hold a key of at least "
            f"{MIN_CURSOR_KEY_LENGTH} characters"
        )
    return key


__all__ = ["CACHE_SECONDS", "read_cursor_key"]
