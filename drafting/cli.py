"""The `drafting` command: a few lines over the action layer per command.

The operator at the command line holds the database file, so commands act with every right
(actor None). Library errors become clean messages, never tracebacks.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

import click

from . import export as exporting
from . import publish, requests
from .actions import Actions
from .domain import DEFAULT_RULES
from .errors import DraftingError
from .procedure import PRESETS
from .publish import record as record_documents
from .store import DEFAULT_DB, Store
from .views import conference_view, draft_summary, participant_view

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def _db_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    obj = ctx.ensure_object(dict)
    from_command_line = (
        ctx.get_parameter_source("db_path") == click.core.ParameterSource.COMMANDLINE
    )
    if value is not None and (from_command_line or "db" not in obj):
        obj["db"] = value
    return value


db_option = click.option(
    "--db",
    "db_path",
    envvar="DRAFTING_DB",
    default=None,
    expose_value=False,
    is_eager=True,
    callback=_db_callback,
    help=f"SQLite database file (default ./{DEFAULT_DB}, or $DRAFTING_DB).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
base_url_option = click.option(
    "--base-url",
    envvar="DRAFTING_BASE_URL",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="Address delegates use to reach the server, for invite links.",
)


def command(group: click.Group, *args: Any, **kwargs: Any) -> Callable[[F], F]:
    """A subcommand that takes --db and turns our errors into clean messages."""

    def decorate(fn: F) -> F:
        @wraps(fn)
        def wrapper(*a: Any, **k: Any) -> Any:
            try:
                return fn(*a, **k)
            except DraftingError as e:
                raise click.ClickException(e.message) from None

        return cast(F, group.command(*args, **kwargs)(db_option(wrapper)))

    return decorate


def db_path() -> str:
    ctx = click.get_current_context()
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    path = (ctx.obj or {}).get("db") if isinstance(ctx.obj, dict) else None
    return str(path or obj.get("db") or os.environ.get("DRAFTING_DB") or DEFAULT_DB)


def actions() -> Actions:
    return Actions(Store(db_path()))


def out_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/join/{token}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.pass_context
def main(ctx: click.Context) -> None:
    """drafting: an assembly writes its declaration together.

    Conferences, participants and drafts from the command line; `drafting serve` runs the
    live server delegates open in their browsers.
    """
    ctx.ensure_object(dict)


# --- conferences ------------------------------------------------------------------------


@main.group()
def conference() -> None:
    """Create and list conferences."""


@command(conference, "create")
@click.argument("name")
@click.option("--chair", "chair", required=True, help="The chair's display name.")
@click.option("--delegation", default="", help="The chair's delegation, if any.")
@click.option(
    "--rules",
    default=DEFAULT_RULES,
    show_default=True,
    type=click.Choice(list(PRESETS)),
    help="The rules of procedure (docs/procedure.md): majority, quorum, what members may move.",
)
@click.option(
    "--majority",
    default=None,
    type=click.Choice(["simple", "two_thirds", "absolute", "consensus"]),
    help="Default majority rule (default: the rules').",
)
@click.option(
    "--quorum",
    default=None,
    type=int,
    help="Members needed for a decision; 0 for none (default: a majority of the members).",
)
@base_url_option
@json_option
def conference_create(
    name: str,
    chair: str,
    delegation: str,
    rules: str,
    majority: str | None,
    quorum: int | None,
    base_url: str,
    as_json: bool,
) -> None:
    """Create a conference and print its id and the chair's invite link."""
    conf, p, token = actions().create_conference(name, chair, delegation, majority, quorum, rules)
    if as_json:
        out_json(
            {
                "conference": conference_view(conf),
                "chair": participant_view(p),
                "link": link(base_url, token),
            }
        )
        return
    click.echo(f"Conference {conf.id}: {conf.name}")
    click.echo(f"Chair {p.name}: {link(base_url, token)}")


@command(conference, "list")
@json_option
def conference_list(as_json: bool) -> None:
    """List the conferences in the database."""
    confs = actions().store.conferences()
    if as_json:
        out_json([conference_view(c) for c in confs])
        return
    for c in confs:
        click.echo(f"{c.id}\t{c.name}")


# --- participants -----------------------------------------------------------------------


@main.group()
def participant() -> None:
    """Add participants, import a roster, reissue invite links."""


def _print_people(people: list[tuple[Any, str]], base_url: str, as_json: bool) -> None:
    if as_json:
        out_json([{**participant_view(p), "link": link(base_url, t)} for p, t in people])
        return
    for p, token in people:
        who = f"{p.name}" + (f" ({p.delegation})" if p.delegation else "")
        click.echo(f"{p.id}\t{p.role}\t{who}\t{link(base_url, token)}")


@command(participant, "add")
@click.argument("conference_id", metavar="CONFERENCE", type=int)
@click.argument("name")
@click.option(
    "--role",
    default="delegate",
    show_default=True,
    type=click.Choice(["delegate", "observer", "chair"]),
)
@click.option("--delegation", default="", help="Country or organisation.")
@base_url_option
@json_option
def participant_add(
    conference_id: int, name: str, role: str, delegation: str, base_url: str, as_json: bool
) -> None:
    """Add one participant and print their invite link (shown only now)."""
    p, token = actions().add_participant(None, conference_id, name, delegation, role)
    _print_people([(p, token)], base_url, as_json)


@command(participant, "import")
@click.argument("conference_id", metavar="CONFERENCE", type=int)
@click.argument("csv_file", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False))
@base_url_option
@json_option
def participant_import(conference_id: int, csv_file: str, base_url: str, as_json: bool) -> None:
    """Add a whole roster from a CSV file with columns name, delegation, role."""
    try:
        text = Path(csv_file).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{csv_file} is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "name" not in fields:
        raise click.ClickException(
            "The CSV file needs a header line with the columns name, delegation, role."
        )
    reader.fieldnames = fields
    rows = [{k: (v or "") for k, v in row.items() if k} for row in reader]
    people = actions().import_participants(None, conference_id, rows)
    _print_people(people, base_url, as_json)


@command(participant, "link")
@click.argument("participant_id", metavar="PARTICIPANT", type=int)
@base_url_option
@json_option
def participant_link(participant_id: int, base_url: str, as_json: bool) -> None:
    """Issue a fresh invite link for a lost one; the old link stops working."""
    p, token = actions().issue_link(None, participant_id)
    _print_people([(p, token)], base_url, as_json)


@command(participant, "list")
@click.argument("conference_id", metavar="CONFERENCE", type=int)
@json_option
def participant_list(conference_id: int, as_json: bool) -> None:
    """List a conference's participants (links are never shown again: see `link`)."""
    people = actions().participants(None, conference_id)
    if as_json:
        out_json([participant_view(p) for p in people])
        return
    for p in people:
        click.echo(f"{p.id}\t{p.role}\t{p.name}\t{p.delegation}")


# --- drafts -----------------------------------------------------------------------------


@command(main, "import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--conference", "conference_id", required=True, type=int, help="Conference id.")
@click.option("--title", default=None, help="Title (default: the document's first line).")
@json_option
def import_cmd(file: str, conference_id: int, title: str | None, as_json: bool) -> None:
    """Import a text, Markdown, Word (.docx) or OpenDocument (.odt) document as a new draft;
    print its id."""
    from .importing import MAX_BYTES

    path = Path(file)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise click.ClickException(
            f"{file} is {size / 1e6:.1f} MB; a draft can be imported from at most "
            f"{MAX_BYTES / 1e6:.0f} MB. Is this the right file?"
        )
    a = actions()
    d = a.import_document(None, conference_id, path.read_bytes(), path.name, title)
    if as_json:
        out_json(draft_summary(d))
        return
    click.echo(d.id)


def _lines(clauses: list[dict[str, Any]]) -> list[str]:
    out = []
    for c in clauses:
        indent = "    " * c["level"]
        number = f"{c['number']}{'.' if c['level'] == 0 else ''} " if c["number"] else ""
        marker = {"heading": "## "}.get(c["kind"], "")
        out.append(f"{indent}{marker}{number}{c['text']}")
        out.extend(_lines(c["children"]))
    return out


@command(main, "show")
@click.argument("draft_id", metavar="DRAFT", type=int)
@json_option
def show(draft_id: int, as_json: bool) -> None:
    """Print a draft as numbered text (or its structure with --json)."""
    view = actions().draft_view(None, draft_id)
    if as_json:
        out_json(view)
        return
    click.echo(f"{view['title']}  [{view['status']}]")
    click.echo()
    for line in _lines(view["clauses"]):
        click.echo(line)


@command(main, "export")
@click.argument("draft_id", metavar="DRAFT", type=int)
@click.option(
    "--format", "fmt", default="md", show_default=True, type=click.Choice(publish.ALL_FORMATS)
)
@click.option("-o", "output", type=click.Path(dir_okay=False), help="Write to FILE.")
def export_cmd(draft_id: int, fmt: str, output: str | None) -> None:
    """Export a draft: Markdown, text, JSON, or as a secretariat issues it: the print page
    (html), PDF, Word (docx), OpenDocument (odt), Akoma Ntoso (akn). The binary formats need
    -o FILE unless standard output is a pipe or a file."""
    if fmt in publish.FORMATS:
        doc = actions().published_document(None, draft_id)
        data = publish.render(doc, fmt)
        if fmt == "html" and not output:
            click.echo(data.decode("utf-8"), nl=False)
            return
        _write_bytes(data, output)
        return
    view = actions().draft_view(None, draft_id)
    text = exporting.export(view, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _write_bytes(data: bytes, output: str | None) -> None:
    """A document to FILE, or to standard output when that is not a terminal."""
    if output:
        Path(output).write_bytes(data)
        click.echo(f"Wrote {output} ({len(data):,} bytes)", err=True)
        return
    out = sys.stdout.buffer
    if out.isatty():
        raise click.UsageError("That format is a binary file: give -o FILE or redirect the output.")
    out.write(data)
    out.flush()


@command(main, "record")
@click.argument("draft_id", metavar="DRAFT", type=int)
@click.option(
    "--format",
    "fmt",
    default="md",
    show_default=True,
    type=click.Choice(["md", "html", "json", *record_documents.FORMATS]),
)
@click.option(
    "-o", "output", type=click.Path(dir_okay=False), help="Write to FILE (pdf, docx: see above)."
)
def record_cmd(draft_id: int, fmt: str, output: str | None) -> None:
    """Print the record of proceedings: every formal step with its time, every amendment and
    its fate, every vote with its counts; or write it as a PDF or Word document.

    pdf and docx are binary files: give -o FILE, or send the output to a file or a pipe
    (`> record.pdf`); they are not written to a terminal.
    """
    a = actions()
    if fmt in record_documents.FORMATS:
        if not output and _is_terminal(sys.stdout):
            raise click.ClickException(
                f"The record as {fmt.upper()} is a binary file: give -o FILE, or redirect "
                f"the output (drafting record {draft_id} --format {fmt} > record.{fmt})."
            )
        data = record_documents.render_record(a.record(None, draft_id), fmt)
        if output:
            Path(output).write_bytes(data)
            click.echo(f"Wrote {output}", err=True)
        else:
            click.echo(data, nl=False)  # bytes go to the binary stream under stdout
        return
    if fmt == "json":
        text = json.dumps(a.record(None, draft_id), ensure_ascii=False, indent=2)
    else:
        text = requests.GetRecord(draft_id=draft_id, format=fmt).run(a, None)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text)


def _is_terminal(stream: TextIO) -> bool:
    """Whether bytes written there would land on a terminal (and garble it)."""
    return stream.isatty()


# --- the server ---------------------------------------------------------------------------


SERVE_EPILOG = """Each option can be set by the environment variable shown beside it; a flag wins
over its variable. Settings that only the environment gives:

\b
  DRAFTING_OPEN_CONFERENCES=1  anyone may open a conference from the welcome page
  DRAFTING_SECRET_KEY          the key that signs session cookies itself (wins over the file)
  DRAFTING_SECURE_COOKIES=1    Secure session cookies even without an https:// --base-url
  DRAFTING_SYNCHRONOUS=FULL    every acknowledged edit survives a power failure
  DRAFTING_MAX_UNREAD          messages queued for a slow connection before it is closed
  DRAFTING_WORKER=gthread      gunicorn's threaded worker instead of gevent

Behind nginx: --host 127.0.0.1 --proxy-hops 1 --base-url https://YOUR.HOST, with nginx setting
X-Forwarded-For ($proxy_add_x_forwarded_for) and X-Forwarded-Proto ($scheme).
"""


@command(main, "serve", epilog=SERVE_EPILOG)
@click.option(
    "--host",
    envvar="DRAFTING_HOST",
    default="127.0.0.1",
    show_default=True,
    show_envvar=True,
    help="Address to listen on: 127.0.0.1 for this machine only (as behind nginx), 0.0.0.0 "
    "for every network interface.",
)
@click.option(
    "--port",
    envvar="DRAFTING_PORT",
    default=5000,
    show_default=True,
    show_envvar=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--base-url",
    envvar="DRAFTING_BASE_URL",
    default="",
    show_envvar=True,
    metavar="URL",
    help="The server's public address, as delegates reach it (https://drafting.example.org "
    "behind nginx): the printed links use it, and https:// makes the session cookie Secure. "
    "Default: http://HOST:PORT.",
)
@click.option(
    "--proxy-hops",
    envvar="DRAFTING_PROXY_HOPS",
    default=0,
    show_default=True,
    show_envvar=True,
    type=click.IntRange(min=0),
    metavar="N",
    help="Trust the X-Forwarded-For and X-Forwarded-Proto headers set by N proxies in front "
    "(1 behind one nginx): each client's own address then counts for connection caps and rate "
    "limits, and https for Secure cookies. Leave 0 when clients reach the server directly: "
    "they could claim any address.",
)
@click.option(
    "--message-queue",
    envvar="DRAFTING_MESSAGE_QUEUE",
    default="",
    show_envvar=True,
    metavar="URL",
    help="redis://HOST:PORT/DB: several server processes share their rooms through Redis.",
)
@click.option(
    "--secret-key-file",
    envvar="DRAFTING_SECRET_KEY_FILE",
    default=None,
    show_envvar=True,
    type=click.Path(dir_okay=False),
    help="File holding the key that signs session cookies, made (mode 0600) on first start; "
    "every process of one server must read the same. Default: DATABASE.key.",
)
@click.option("--demo", is_flag=True, help="Create (once) a demo conference and print its links.")
@click.option(
    "--threads", default=400, show_default=True, type=int, help="Threads (DRAFTING_WORKER=gthread)."
)
@click.option(
    "--workers",
    default=0,
    show_default=True,
    type=click.IntRange(0, 64),
    help="N server processes behind nginx, sharing through Redis (docs/scaling.md); "
    "0: one process serves the port itself.",
)
def serve(
    host: str,
    port: int,
    base_url: str,
    proxy_hops: int,
    message_queue: str,
    secret_key_file: str | None,
    demo: bool,
    threads: int,
    workers: int,
) -> None:
    """Run the live server (gunicorn, gevent and WebSocket), fit for a conference room.

    It listens before it prints anything: a port already in use is said at once, with a
    non-zero exit, and the printed links work.
    """
    from . import assets, server, signing_key

    settings = server.Settings(
        host=host,
        port=port,
        base_url=base_url,
        proxy_hops=proxy_hops,
        message_queue=message_queue or None,
        secret_key_file=secret_key_file,
        threads=threads,
    )
    if base_url and not base_url.startswith(("http://", "https://")):
        raise click.BadParameter("an address with http:// or https://", param_hint="--base-url")
    # the database first: a read-only or missing one is said in one line, before any worker
    # starts (it would fail to boot, with a traceback, and gunicorn would try again)
    Store(db_path())
    if missing := assets.missing():
        raise click.ClickException(
            f"The pages need {', '.join(map(str, missing))}, which this install lacks. In a "
            "checkout, `make setup` installs the browser's modules (npm ci)."
        )
    if workers:
        from .cluster import serve_cluster

        serve_cluster(db_path(), settings, workers, demo=demo)
        return
    if os.environ.get("DRAFTING_WORKER", "gevent") == "gevent" and not os.environ.get(
        "DRAFTING_GEVENT_PATCHED"
    ):
        # start again in a process where gevent patches the standard library first
        os.environ["DRAFTING_GEVENT_PATCHED"] = "1"
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, "-m", "drafting", *sys.argv[1:]])
    path = db_path()
    os.environ["DRAFTING_DB"] = path
    try:
        signing_key(path, secret_key_file)  # made now, or refused now: not in a worker
    except (OSError, RuntimeError) as e:
        raise click.ClickException(f"Cannot use the signing key's file: {e}") from None
    try:
        listener = server.listen(host, port)
    except server.CannotListen as e:
        raise click.ClickException(str(e)) from None
    public = settings.public_url()
    if demo:
        from .demo import ensure_demo

        ensure_demo(Actions(Store(path)), public, click.echo)
    click.echo(f"Serving {path} on {public}  (Ctrl-C stops)")
    if not base_url and host in server.WILDCARDS:
        click.echo("  (links name this machine's loopback: give --base-url as delegates reach it)")
    sys.stdout.flush()
    server.run(listener, settings, path)


# --- backups ------------------------------------------------------------------------------


def _key_note(db: str) -> str:
    """Where the signing key is, and what it means for a backup: it is never in the database."""
    if os.environ.get("DRAFTING_SECRET_KEY"):
        where = "DRAFTING_SECRET_KEY"
    else:
        where = f"{db}.key" + ("" if Path(f"{db}.key").exists() else ", not made yet")
    return (
        f"Not in it: the key that signs browsers' sessions ({where}). Invite links do not "
        "need it; a server restored with another key asks everyone to open their link again. "
        "Keep the key apart from the backups (docs/deploy.md)."
    )


def _holds(c: Any) -> str:
    def n(count: int, what: str) -> str:
        return f"{count:,} {what}{'' if count == 1 else 's'}"

    last = f", the last at {c.last_event_at}" if c.last_event_at else ""
    return (
        f"{n(c.conferences, 'conference')}, {n(c.drafts, 'draft')}, {n(c.clauses, 'clause')}, "
        f"{n(c.participants, 'participant')} and {n(c.events, 'journal event')}{last}"
    )


@command(main, "backup")
@click.argument("file", type=click.Path(dir_okay=True, writable=False))
@json_option
def backup(file: str, as_json: bool) -> None:
    """Copy the database to FILE, safely while a server is serving it: SQLite's online backup,
    checked, one plain file (mode 0600), in place only once whole. FILE may be a folder: the
    copy is then named after the database and the time (UTC)."""
    from dataclasses import asdict

    db = db_path()
    c = Store.backup_to(db, file)
    if as_json:
        out_json({**asdict(c), "integrity": "ok"})
        return
    click.echo(f"Backed up {db} to {c.path} ({c.size:,} bytes, integrity ok, schema {c.schema}).")
    click.echo(f"It holds {_holds(c)}.")
    click.echo(_key_note(db))


@command(main, "restore")
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
def restore(file: str, as_json: bool) -> None:
    """Put the backup FILE in place of the database. Refused while a server (or any other
    process) has the database open: stop it first. The backup is checked and brought up to
    this version's schema; the database it replaces is kept as <db>.before-restore-<time>."""
    from dataclasses import asdict

    db = db_path()
    r = Store.restore_from(db, file)
    if as_json:
        out_json({**asdict(r.contents), "kept": r.kept, "migrated": list(r.migrated)})
        return
    c = r.contents
    click.echo(f"Restored {file} into {db}: {_holds(c)}.")
    if r.migrated:
        click.echo(f"Brought it up to this version's schema: {', '.join(r.migrated)}.")
    if r.kept:
        click.echo(f"The database it replaced is kept as {r.kept}.")
    else:
        click.echo(f"There was no database at {db} before.")
    if os.environ.get("DRAFTING_SECRET_KEY") or Path(f"{db}.key").exists():
        click.echo(
            "Browsers signed in before stay signed in if the server signs with the same key "
            "as before; otherwise everyone opens their invite link again."
        )
    else:
        click.echo(
            f"There is no {db}.key: the server makes a new signing key when it starts, and "
            "everyone opens their invite link again (the links work)."
        )
    click.echo(
        "Links reissued since the backup was made do not work, and the links they replaced "
        "work again: reissue them (drafting participant link P). Start the server again."
    )


if __name__ == "__main__":  # pragma: no cover
    main()
