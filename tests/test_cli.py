"""The `drafting` command through click's runner, on a real SQLite file."""

from __future__ import annotations

import json
import re

import pytest
from helpers import SAMPLE

from drafting.cli import main

UN_TEXT = """Draft resolution on clean water

The General Assembly,

Recalling its resolution 64/292 on the human right to water,

Deeply concerned that billions still lack safe drinking water,

1. Calls upon States to ensure access to safe water;

2. Requests the Secretary-General:

(a) To report on progress;

(b) To convene a panel, including:

(i) experts;

(ii) civil society;

3. Decides to remain seized of the matter.
"""


def run(runner, *args, ok=True):
    result = runner.invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def conf(runner):
    out = run(runner, "conference", "create", "Water Summit", "--chair", "Ana", "--json").output
    return json.loads(out)


def test_every_command_has_help(runner):
    for args in (
        [],
        ["conference"],
        ["conference", "create"],
        ["participant"],
        ["participant", "add"],
        ["participant", "import"],
        ["participant", "link"],
        ["import"],
        ["show"],
        ["export"],
        ["serve"],
    ):
        out = run(runner, *args, "--help").output
        assert "Usage:" in out and "--help" in out


def test_conference_and_people(runner, tmp_path, conf):
    assert conf["chair"]["role"] == "chair"
    assert re.match(r"http://127\.0\.0\.1:5000/join/[\w-]{22,}$", conf["link"])
    cid = str(conf["conference"]["id"])
    out = run(runner, "participant", "add", cid, "Kofi", "--delegation", "Ghana").output
    pid, role, who, link = out.strip().split("\t")
    assert role == "delegate" and who == "Kofi (Ghana)" and "/join/" in link
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,delegation,role\nMei,China,delegate\nAli,Egypt,\nPress,,observer\n", "utf-8"
    )
    out = run(runner, "participant", "import", cid, str(roster), "--json").output
    people = json.loads(out)
    assert [p["role"] for p in people] == ["delegate", "delegate", "observer"]
    assert all("/join/" in p["link"] for p in people)
    out = run(runner, "participant", "link", pid).output
    assert "/join/" in out and link not in out
    bad = tmp_path / "bad.csv"
    bad.write_text("name,delegation,role\nZed,X,emperor\n", "utf-8")
    result = run(runner, "participant", "import", cid, str(bad), ok=False)
    assert result.exit_code != 0 and "Line 2" in result.output and "emperor" in result.output
    # nothing of a refused roster was added
    out = run(runner, "participant", "list", cid, "--json").output
    assert "Zed" not in out


def test_import_show_export(runner, tmp_path, conf):
    cid = str(conf["conference"]["id"])
    src = tmp_path / "water.txt"
    src.write_text(UN_TEXT, "utf-8")
    draft_id = run(runner, "import", str(src), "--conference", cid).output.strip()
    assert draft_id.isdigit()
    shown = run(runner, "show", draft_id).output
    assert "1. Calls upon States" in shown
    assert "    (b) To convene a panel" in shown
    assert "        (ii) civil society;" in shown
    view = json.loads(run(runner, "show", draft_id, "--json").output)
    assert view["title"] == "Draft resolution on clean water"
    assert set(view) >= {"id", "title", "status", "clauses"}
    kinds = [c["kind"] for c in view["clauses"]]
    assert kinds.count("preambular") == 2 and kinds.count("operative") == 3
    assert set(view["clauses"][0]) >= {
        "id",
        "kind",
        "number",
        "level",
        "text",
        "version",
        "status",
        "children",
    }
    out = tmp_path / "out.md"
    run(runner, "export", draft_id, "--format", "md", "-o", str(out))
    text = out.read_text("utf-8")
    assert "2. Requests the Secretary-General:" in text
    html = run(runner, "export", draft_id, "--format", "html").output
    assert html.lstrip().lower().startswith("<!doctype html>")
    # the export imports back to the same clauses
    again = run(runner, "import", str(out), "--conference", cid, "--json").output
    again_view = json.loads(run(runner, "show", str(json.loads(again)["id"]), "--json").output)

    def shape(cs):
        return [(c["kind"], c["level"], c["text"], shape(c["children"])) for c in cs]

    assert shape(again_view["clauses"]) == shape(view["clauses"])


def test_import_sample(runner, conf):
    if not SAMPLE.exists():
        pytest.skip("shared sample not beside the repository")
    cid = str(conf["conference"]["id"])
    draft_id = run(runner, "import", str(SAMPLE), "--conference", cid).output.strip()
    view = json.loads(run(runner, "show", draft_id, "--json").output)
    headings = [c["text"] for c in view["clauses"] if c["kind"] == "heading"]
    assert "The Forum participants declared:" in headings
    assert "Decision taken" in headings


def test_bad_files_are_refused_clearly(runner, tmp_path, conf):
    cid = str(conf["conference"]["id"])
    cases = {
        "empty.txt": b"",
        "binary.txt": b"\x00\x01\x02PNG\x00",
        "latin1.txt": "Résolution".encode("latin-1"),
    }
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        result = run(runner, "import", str(p), "--conference", cid, ok=False)
        assert result.exit_code != 0
        assert "Error" in result.output and "Traceback" not in result.output
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    result = run(runner, "import", str(big), "--conference", cid, ok=False)
    assert "MB" in result.output
    # nothing was created
    assert (
        json.loads(run(runner, "conference", "list", "--json").output)[0]["name"] == "Water Summit"
    )
    import os

    from drafting.actions import Actions
    from drafting.store import Store

    assert Actions(Store(os.environ["DRAFTING_DB"])).drafts(None, int(cid)) == []


def test_errors_are_messages_not_tracebacks(runner):
    result = run(runner, "show", "999", ok=False)
    assert result.exit_code == 1
    assert "There is no draft 999" in result.output


def test_db_option_on_every_command(runner, tmp_path):
    other = tmp_path / "elsewhere.db"
    run(runner, "conference", "create", "X", "--chair", "Y", "--db", str(other))
    assert other.exists()
    out = run(runner, "--db", str(other), "conference", "list").output
    assert "X" in out


def test_export_as_a_secretariat_issues_it(runner, tmp_path, conf):
    """`drafting export DRAFT --format pdf|docx|odt|akn -o FILE`: each file opens in a reader
    of its kind and says what the draft says; a binary format refuses a terminal."""
    import io
    import zipfile

    import docx
    from lxml import etree
    from pypdf import PdfReader

    cid = str(conf["conference"]["id"])
    src = tmp_path / "water.txt"
    src.write_text(UN_TEXT, "utf-8")
    draft_id = run(runner, "import", str(src), "--conference", cid).output.strip()
    files = {}
    for fmt, ext in (("pdf", "pdf"), ("docx", "docx"), ("odt", "odt"), ("akn", "xml")):
        out = tmp_path / f"water.{ext}"
        result = run(runner, "export", draft_id, "--format", fmt, "-o", str(out))
        assert f"Wrote {out}" in result.output
        files[fmt] = out.read_bytes()
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert "Requests the Secretary-General" in pdf_text and "Draft" in pdf_text
    paragraphs = [p.text for p in docx.Document(io.BytesIO(files["docx"])).paragraphs]
    assert any("Requests the Secretary-General" in t for t in paragraphs)
    with zipfile.ZipFile(io.BytesIO(files["odt"])) as z:
        assert b"the Secretary-General" in z.read("content.xml")
    root = etree.fromstring(files["akn"])
    assert root.tag == "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}akomaNtoso"
    # the print page is text, fit for a terminal; to stdout a PDF goes only through a pipe
    page = run(runner, "export", draft_id, "--format", "html").output
    assert page.lstrip().lower().startswith("<!doctype html>")
    result = runner.invoke(main, ["export", draft_id, "--format", "rtf"])
    assert result.exit_code != 0 and "pdf" in result.output
