"""The event schemas' lock: each committed version as it was first locked, and the check that
no later edit changes what a version accepts.

A published schema version is a contract in both directions: consumers rely on every field it
requires and every constraint it states, and producers on consumers accepting anything it
allows. So only annotations (title, description, ...) of a locked version may change; a
change to what it accepts needs a new version file (``<Type>.v<N+1>.json``).

``python -m tests.events.schema_lock`` adds the versions not yet locked to the lock; it never
rewrites a locked one. The schemas of the event types differ only by the type, the sentence
saying what happened, the statuses the order can be in and any field of the type's own (an
``OrderCancelled``'s reason), so a new type's first version is written from an existing type's
newest: ``python -m tests.events.schema_lock --new OrderReturned --like OrderDelivered
--status RETURNED --says "A delivered order was returned."`` writes ``OrderReturned.v1.json``
and locks it.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[2]
SCHEMA_DIR: Final = ROOT / "schemas" / "events"
LOCK_FILE: Final = SCHEMA_DIR / "lock.json"
FILE_NAME: Final = re.compile(r"(?P<type>[A-Za-z]+)\.v(?P<version>[1-9][0-9]*)\.json")
# Keywords that describe a schema without changing what it accepts.
ANNOTATIONS: Final = frozenset({"title", "description", "examples", "$comment", "default"})
_BOUNDS: Final = {
    "minLength": "min",
    "minItems": "min",
    "minimum": "min",
    "minProperties": "min",
    "maxLength": "max",
    "maxItems": "max",
    "maximum": "max",
    "maxProperties": "max",
}

Schema = dict[str, Any]


def schema_files() -> dict[str, Schema]:
    """Every schema version in the repository, by file name."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SCHEMA_DIR.glob("*.json"))
        if FILE_NAME.fullmatch(path.name)
    }


def latest_versions() -> dict[str, Schema]:
    """The newest schema of each event type, by type name."""
    newest: dict[str, tuple[int, Schema]] = {}
    for name, schema in schema_files().items():
        found = FILE_NAME.fullmatch(name)
        assert found is not None
        version = int(found["version"])
        if version > newest.get(found["type"], (0, {}))[0]:
            newest[found["type"]] = (version, schema)
    return {kind: schema for kind, (_, schema) in newest.items()}


def locked() -> dict[str, Schema]:
    if not LOCK_FILE.exists():
        return {}
    versions: dict[str, Schema] = json.loads(LOCK_FILE.read_text(encoding="utf-8"))
    return versions


def _bound_change(key: str, old: Any, new: Any, where: str) -> str:
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return f"{where}: {key} changed from {old!r} to {new!r}"
    tighter = new > old if _BOUNDS[key] == "min" else new < old
    return f"{where}: {key} {'tightened' if tighter else 'loosened'} from {old} to {new}"


def _keyword_change(key: str, old: Any, new: Any, where: str) -> list[str]:
    if key == "required":
        problems = [f"{where}: required field {f!r} removed" for f in old if f not in new]
        return problems + [f"{where}: field {f!r} newly required" for f in new if f not in old]
    if key == "type":
        return [f"{where}: type changed from {old!r} to {new!r}"]
    if key == "enum":
        dropped, added = [v for v in old if v not in new], [v for v in new if v not in old]
        return [f"{where}: enum narrowed, {v!r} no longer allowed" for v in dropped] + [
            f"{where}: enum widened with {v!r}" for v in added
        ]
    if key in _BOUNDS:
        return [_bound_change(key, old, new, where)]
    return [f"{where}: {key} changed from {old!r} to {new!r}"]


def breaking_changes(old: Any, new: Any, where: str = "#") -> list[str]:
    """What ``new`` accepts differently from ``old``, one line per change (empty: none)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [] if old == new else [f"{where}: changed from {old!r} to {new!r}"]
    problems: list[str] = []
    for key in sorted((old.keys() | new.keys()) - ANNOTATIONS):
        at = f"{where}/{key}"
        if key not in new:
            problems.append(f"{at}: {key} removed (was {old[key]!r})")
        elif key not in old:
            problems.append(f"{at}: {key} added ({new[key]!r})")
        elif key in {"properties", "definitions", "patternProperties"}:
            problems += _named_schemas(old[key], new[key], at)
        elif isinstance(old[key], dict):
            problems += breaking_changes(old[key], new[key], at)
        elif old[key] != new[key]:
            problems += _keyword_change(key, old[key], new[key], at)
    return problems


def _named_schemas(old: dict[str, Any], new: dict[str, Any], where: str) -> list[str]:
    problems = [f"{where}/{name}: removed" for name in old if name not in new]
    problems += [f"{where}/{name}: added" for name in new if name not in old]
    for name in old.keys() & new.keys():
        problems += breaking_changes(old[name], new[name], f"{where}/{name}")
    return sorted(problems)


def lock_problems(locked_versions: dict[str, Schema], current: dict[str, Schema]) -> list[str]:
    """Why ``current`` (schema files by name) breaks the lock; a new version breaks nothing."""
    problems: list[str] = []
    for name, snapshot in sorted(locked_versions.items()):
        if name not in current:
            problems.append(f"{name}: a locked version was removed")
        else:
            problems += [f"{name} {change}" for change in breaking_changes(snapshot, current[name])]
    return problems


def lock_new_versions() -> list[str]:
    """Add every schema version not yet in the lock; the names added."""
    versions = locked()
    added = [name for name in schema_files() if name not in versions]
    for name in added:
        versions[name] = schema_files()[name]
    LOCK_FILE.write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return added


def new_type_schema(kind: str, *, like: str, statuses: list[str], says: str) -> Schema:
    """The first version of event type ``kind``: the newest schema of ``like`` with the type,
    the description and the order's possible ``statuses`` changed (its fields, the order
    snapshot's shape included, as they are now)."""
    schema = copy.deepcopy(latest_versions()[like])
    schema["id"] = f"urn:orders-service:events:{kind}:v1"
    schema["title"] = f"{kind} v1"
    schema["description"] = (
        f"{says} The EventBridge detail of detail-type {kind} from source orders."
    )
    schema["properties"]["type"]["enum"] = [kind]
    schema["definitions"]["order"]["properties"]["status"]["enum"] = list(statuses)
    return schema


def add_type(kind: str, *, like: str, statuses: list[str], says: str) -> Path:
    """Write ``<kind>.v1.json`` (see :func:`new_type_schema`) and lock it; refuses a type that
    already has a schema."""
    if kind in latest_versions():
        raise SystemExit(f"{kind} has a schema already: a change is a new version, by hand")
    path = SCHEMA_DIR / f"{kind}.v1.json"
    schema = new_type_schema(kind, like=like, statuses=statuses, says=says)
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    lock_new_versions()
    return path


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description="Lock new schema versions; add an event type.")
    parser.add_argument("--new", metavar="TYPE", help="an event type without a schema yet")
    parser.add_argument("--like", metavar="TYPE", help="the existing type to start from")
    parser.add_argument("--status", action="append", help="a status the order can be in")
    parser.add_argument("--says", help="what happened, one sentence")
    args = parser.parse_args(argv)
    if args.new:
        if not (args.like and args.status and args.says):
            parser.error("--new needs --like, --status and --says")
        path = add_type(args.new, like=args.like, statuses=args.status, says=args.says)
        return f"wrote and locked: {path.name}"
    names = lock_new_versions()
    return "locked: " + ", ".join(names) if names else "nothing new to lock"


if __name__ == "__main__":
    sys.stdout.write(main() + "\n")
