"""Docs are tested: every socket event, HTTP route and CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click

from drafting import sockets
from drafting.cli import main
from drafting.events import EVENT_TYPES

REPO = Path(__file__).resolve().parents[1]


def test_every_socket_event_is_in_protocol_md(app):
    doc = (REPO / "docs/protocol.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `([\w:]+)` \|", doc, re.M))
    assert sockets.HANDLED, "handlers registered"
    missing = set(sockets.HANDLED) - documented
    assert not missing, f"undocumented socket events: {sorted(missing)}"


def test_every_server_message_is_in_protocol_md():
    doc = (REPO / "docs/protocol.md").read_text("utf-8")
    sent = set()
    for path in (REPO / "drafting").rglob("*.py"):
        src = path.read_text("utf-8")
        sent |= set(re.findall(r'(?:emit|send|poll)\(\s*"(\w+(?::\w+)?)"', src))
    sent |= {cls.message for cls in EVENT_TYPES.values() if cls.message}
    assert {"clause:edited", "draft:outline", "poll:tally", "conference:updated"} <= sent
    missing = {e for e in sent if f"`{e}`" not in doc}
    assert not missing, f"undocumented server messages: {sorted(missing)}"


def test_every_http_route_is_in_protocol_md(app):
    doc = (REPO / "docs/protocol.md").read_text("utf-8")
    names = {"token": "TOKEN", "fmt": "FMT", "filename": "...", "verb": "VERB"}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: names.get(m.group(1), "ID"), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert f"`{method} {path}" in doc or f"`{method} {path}`" in doc, (method, path)


def test_every_cli_command_is_in_readme():
    readme = (REPO / "README.md").read_text("utf-8")

    def walk(group, prefix):
        for name, cmd in group.commands.items():
            full = f"{prefix} {name}".strip()
            if isinstance(cmd, click.Group):
                yield from walk(cmd, full)
            else:
                yield full

    for command in walk(main, "drafting"):
        assert command in readme, f"{command} missing from README"
