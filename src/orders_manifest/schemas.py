"""The request bodies' JSON Schemas, generated from the runtime's pydantic models.

The files in ``schemas/`` are written by ``python -m orders_lambda.http.body_schemas`` (part of
``nox -s openapi``) and committed; a test fails while one differs from its model. The Pulumi
program turns them into API Gateway's request models without importing pydantic.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Final

FOLDER: Final = "schemas"


def body_schema(model: str) -> dict[str, Any]:
    """The JSON Schema of the request body model called ``model``, as pydantic writes it."""
    text = resources.files(__package__ or "orders_manifest").joinpath(FOLDER, f"{model}.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def render(schema: dict[str, Any]) -> str:
    """A schema as its committed file holds it."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


__all__ = ["FOLDER", "body_schema", "render"]
