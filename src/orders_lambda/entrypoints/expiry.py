"""The payment deadline workflow's task entrypoint (invoked by the Standard workflow at an
order's deadline): see :mod:`orders_lambda.consumers.expiry`."""

from __future__ import annotations

from typing import Any

from orders_lambda import bootstrap
from orders_lambda.consumers.common import bind_invocation
from orders_lambda.consumers.expiry import expire_task


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    expire = bootstrap.container().expire_order()
    bind_invocation(context)
    return expire_task(event, expire=expire)


bootstrap.init()  # in Lambda, a misconfigured function fails its init, naming the variable
