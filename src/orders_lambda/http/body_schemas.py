"""Write or check the request bodies' JSON Schemas that the service manifest ships.

``python -m orders_lambda.http.body_schemas [--check]`` writes one file per body model of
:data:`orders_manifest.operations.OPERATIONS` into ``src/orders_manifest/schemas`` or, with
``--check``, fails when one differs from what the model says now.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from pydantic import BaseModel

from orders_lambda.http.models import CreateOrderRequest, UpdateOrderRequest
from orders_manifest import schemas
from orders_manifest.operations import OPERATIONS

# Every model a request body is checked with, by the name the manifest gives it.
BODY_MODELS: Final[Mapping[str, type[BaseModel]]] = {
    model.__name__: model for model in (CreateOrderRequest, UpdateOrderRequest)
}
DEFAULT_FOLDER: Final = Path(schemas.__file__).parent / schemas.FOLDER


def rendered() -> dict[str, str]:
    """Each body model's file name and content, for the models the operations name."""
    named = sorted({o.body for o in OPERATIONS if o.body is not None})
    return {f"{name}.json": schemas.render(BODY_MODELS[name].model_json_schema()) for name in named}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check the request body schemas.")
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--check", action="store_true", help="fail when a file differs")
    args = parser.parse_args(argv)
    stale = []
    for name, text in rendered().items():
        path = args.folder / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stale:
        sys.stderr.write(f"{', '.join(stale)} out of date; run: nox -s openapi\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["BODY_MODELS", "main", "rendered"]
