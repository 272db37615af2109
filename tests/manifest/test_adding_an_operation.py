"""docs/adding-an-operation.md matches the code: its file count, that each file it names exists
and holds the symbol it names (a new file: the one it is modelled on), that the files it calls
derived hold no table of operations (or, derived from the lifecycle, no list of statuses), and
that every shipped module that lists the operations is on the page."""

from __future__ import annotations

import re
from pathlib import Path

from orders_manifest.operations import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "adding-an-operation.md"
# "N. `path` — `symbol`" or "N. `path` (new, like `model`) — `symbol`", wrapped or not.
ENTRY = re.compile(
    r"^(?P<number>\d+)\. `(?P<path>[^`]+)`(?: \(new, like\s+`(?P<like>[^`]+)`\))?\s+—\s+"
    r"`(?P<symbol>[^`]+)`",
    re.MULTILINE,
)
COUNT = re.compile(r"touches \*\*(\d+) files\*\*")


def _text() -> str:
    return PAGE.read_text(encoding="utf-8")


def _derived(text: str, heading: str = "## Derived: not touched") -> list[str]:
    section = text.split(f"{heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- `([^`]+)`", section, re.MULTILINE)


def test_the_page_counts_the_files_it_lists_in_order() -> None:
    text = _text()
    entries = list(ENTRY.finditer(text))
    (count,) = COUNT.findall(text)
    assert [int(e["number"]) for e in entries] == list(range(1, int(count) + 1))
    assert len({e["path"] for e in entries}) == len(entries)


def test_each_file_it_names_holds_the_symbol_it_names() -> None:
    for entry in ENTRY.finditer(_text()):
        path = ROOT / entry["path"]
        if entry["like"]:
            # Not "and the new file is absent": a branch that follows the page has it.
            assert path.parent.is_dir(), entry["path"]
            path = ROOT / entry["like"]
        assert path.is_file(), entry["path"]
        assert entry["symbol"] in path.read_text(encoding="utf-8"), (path, entry["symbol"])


def test_what_it_calls_derived_holds_no_table_of_operations() -> None:
    derived = _derived(_text())
    assert derived, "the page lists the derived files"
    listed = {e["path"] for e in ENTRY.finditer(_text())}
    for name in derived:
        assert name not in listed, name
        source = (ROOT / name).read_text(encoding="utf-8")
        named = {o.name for o in OPERATIONS if re.search(rf"[\"']{o.name}[\"']", source)}
        assert len(named) <= 1, (name, sorted(named))


# A status as a mapping's key or in a literal path of two or more: a hand-kept lifecycle table.
STATUS = r"(?:OrderStatus|S)\.[A-Z]+"
TABLE_OF_STATUSES = re.compile(rf"{STATUS}: +\S|\(\s*{STATUS}\s*,\s*{STATUS}")


def test_what_it_calls_derived_from_the_lifecycle_reads_the_table_and_keeps_none() -> None:
    text = _text()
    derived = _derived(text, "## Derived from the lifecycle: not touched")
    assert derived, "the page lists the files derived from the lifecycle"
    listed = {e["path"] for e in ENTRY.finditer(text)}
    for name in derived:
        assert name not in listed, name
        source = (ROOT / name).read_text(encoding="utf-8")
        assert re.search(r"\b(lifecycle_paths|ALLOWED_TRANSITIONS)\b", source), name
        assert TABLE_OF_STATUSES.findall(source) == [], name


# A module naming this many of the order operations lists them: a new one would need a line.
TABLE = 4


def test_every_shipped_module_that_lists_the_operations_is_on_the_page() -> None:
    text = _text()
    names = [o.name for o in OPERATIONS if o.authorized]
    listing = []
    for path in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "deploy_pulumi").rglob("*.py")]):
        source = path.read_text(encoding="utf-8")
        if sum(bool(re.search(rf"\b{name}\b", source)) for name in names) >= TABLE:
            listing.append(str(path.relative_to(ROOT)))
    assert listing, "the check finds the tables it is for (the manifest's own, at least)"
    assert [name for name in listing if f"`{name}`" not in text] == []
