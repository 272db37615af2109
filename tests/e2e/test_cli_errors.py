"""The ``orders`` command's mistakes, as a user meets them: each is one line saying what is
wrong and what to do, with a non-zero exit status, and the help says what every option is."""

from __future__ import annotations

import argparse
import socket
import subprocess
from pathlib import Path

import pytest

from orders_local.cli import _parser
from orders_local.invoke import functions
from tests.support.cli import run_orders

pytestmark = pytest.mark.slow

EVENTS = Path(__file__).resolve().parents[2] / "events"
SHELL = {"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"}


def _orders(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_orders(workdir, *args, env=SHELL, timeout=60)


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip()


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_refused_before_anything_listens(tmp_path: Path, port: str) -> None:
    done = _orders(tmp_path, "serve", "--port", port)
    assert done.returncode == 2
    assert _one_line(done).startswith("orders serve: argument --port: ")
    assert "(see orders serve --help)" in done.stderr
    assert not (tmp_path / ".orders").exists()


def test_a_port_in_use_says_so_and_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _orders(tmp_path, "serve", "--port", str(port))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"orders: port {port} on 127.0.0.1 is already in use; stop what holds it, or choose "
        "another with --port (0 picks a free one)"
    )


@pytest.mark.parametrize(
    "command",
    [
        ("serve",),
        ("invoke", "get_order", "--event", str(EVENTS / "get_order.json")),
        ("events", "pay", "some-order"),
    ],
)
def test_a_db_that_is_a_directory_is_refused_not_answered_503(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    done = _orders(tmp_path, *command, "--db", str(folder))
    assert done.returncode == 1
    assert _one_line(done) == (
        f"orders: --db {folder} is a directory; name a database file, e.g. --db "
        f"{folder / 'orders.sqlite3'}"
    )
    assert list(folder.iterdir()) == []  # no cursor key or database left in it


def test_a_db_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    done = _orders(tmp_path, "events", "pay", "x", "--db", "notes.txt/orders.sqlite3")
    assert done.returncode == 1
    assert (
        _one_line(done)
        == "orders: --db notes.txt/orders.sqlite3: notes.txt is a file, not a folder"
    )


def test_a_new_database_is_announced_once(tmp_path: Path) -> None:
    event = str(EVENTS / "list_orders.json")
    first = _orders(tmp_path, "invoke", "list_orders", "--event", event, "--db", "typo/o.db")
    assert first.returncode == 0, first.stderr
    created = tmp_path / "typo" / "o.db"
    assert first.stderr.splitlines()[0] == (
        f"orders: no database at {created}; creating a new, empty one (and its folder)"
    )
    assert created.is_file()
    again = _orders(tmp_path, "invoke", "list_orders", "--event", event, "--db", "typo/o.db")
    assert again.returncode == 0, again.stderr
    assert "no database" not in again.stderr


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("serve", "--workers", "0"), "argument --workers: 0 is not at least 1"),
        (("serve", "--request-timeout", "0"), "argument --request-timeout: 0 is not a positive"),
        (
            ("serve", "--minimum-compression-size", "10485761"),
            "argument --minimum-compression-size: 10485761 is not between 0 and 10485760",
        ),
        (("serve", "--minimum-compression-size", "big"), "'big' is not a number of bytes, nor off"),
        (("dlq", "list", "q", "--max", "0"), "argument --max: 0 is not at least 1"),
        (("invoke",), "the following arguments are required: FUNCTION"),
        (("events",), "the following arguments are required: ACTION"),
    ],
)
def test_a_wrong_argument_is_one_line_pointing_at_the_help(
    tmp_path: Path, command: tuple[str, ...], said: str
) -> None:
    done = _orders(tmp_path, *command)
    assert done.returncode == 2
    line = _one_line(done)
    assert said in line
    assert line.endswith("--help)")


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:  # argparse keeps its subcommands nowhere public
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


def test_every_command_has_a_description_and_every_option_a_help_text() -> None:
    missing = []
    for path, parser in _commands(_parser()):
        if not parser.description:
            missing.append(f"orders {' '.join(path)}: no description")
        missing.extend(
            f"orders {' '.join(path)} {action.dest}: no help"
            for action in parser._actions
            if not action.help
        )
    assert missing == []


def test_the_invoke_help_names_every_function(tmp_path: Path) -> None:
    done = _orders(tmp_path, "invoke", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "..." not in text
    assert all(name in text for name in functions()), text
