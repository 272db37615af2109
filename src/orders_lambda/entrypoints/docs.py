"""GET /openapi.json, GET /swagger and its assets: the API's documentation, no caller needed.

Swagger UI's script and style sheet are the copies Powertools ships in its package, served
from this function, so the page needs nothing from outside the deployment.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Final

from orders_lambda import bootstrap, routes
from orders_lambda.container import Container
from orders_lambda.http.app import api
from orders_lambda.http.errors import RouteNotFound
from orders_lambda.http.shapes import Reply, Request, dumps

_ASSETS: Final = {
    "swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "text/javascript; charset=utf-8"),
}
_CACHED: Final = {"Cache-Control": "public, max-age=3600"}
HOST: Final = r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?"
_HOST: Final = re.compile(HOST)

# Relative links: the page works at /swagger behind any stage or base path.
_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Orders service API</title>
<link rel="stylesheet" href="swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui"});
</script>
</body>
</html>
"""


@cache
def _asset(name: str) -> str:
    package = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    return package.joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def _document_text(base_url: str) -> str:
    # The document only changes with the URL it is served at (one or two per function):
    # serialise it once per URL, not on every request.
    # Cold start: the OpenAPI models build on the first docs request.
    from orders_lambda.http.openapi import served  # noqa: PLC0415

    return dumps(served(base_url))


def _base_url(request: Request[Container]) -> str:
    """The URL the client called this API on: its scheme and host as API Gateway forwards
    them, and the stage or base path before the route."""
    context = request.event.get("requestContext") or {}
    host = request.header("Host") or ""
    if not _HOST.fullmatch(host):  # a name and a port, nothing a client could smuggle in
        host = str(context.get("domainName") or "")
        host = host if _HOST.fullmatch(host) else "localhost"
    scheme = (request.header("X-Forwarded-Proto") or "https").split(",")[0].strip()
    return f"{'http' if scheme == 'http' else 'https'}://{host}{request.url('')}"


@api.operation(routes.OPENAPI_DOCUMENT)
def openapi_document(request: Request[Container]) -> Reply:
    return Reply.serialised(200, _document_text(_base_url(request)), _CACHED)


@api.operation(routes.SWAGGER_UI)
def swagger_ui(_: Request[Container]) -> Reply:
    return Reply(200, _PAGE, _CACHED, content_type="text/html; charset=utf-8")


@api.operation(routes.SWAGGER_ASSET)
def swagger_asset(_: Request[Container], asset: str) -> Reply:
    found = _ASSETS.get(asset)
    if found is None:
        raise RouteNotFound(f"no asset {asset}")
    file_name, content_type = found
    return Reply(200, _asset(file_name), _CACHED, content_type=content_type)


handler = api.bind(bootstrap.container)
# In Lambda, a misconfigured function fails its init; the document reads no store.
bootstrap.init(store=False)
