"""Text from a server or a flow file reaches the terminal escaped; ``--json`` stays exact.

A small server of the test's own on loopback sends names, answers and errors holding escape
sequences, a lone carriage return, C1 controls, a bidi override and a lone surrogate.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers.data import ECHO_FLOW, SAMPLE_ID, load_flow

from lfdesk.cli import main
from lfdesk.core.profiles import Profile, ProfileStore
from lfdesk.core.terminal import escape

# What a hostile name or answer holds: clear the screen, a fake line after a lone CR, a C1
# CSI, DEL, a bidi override (reads "txt.exe" as "exe.txt") and a NUL.
HOSTILE = "Hi\x1b[2J\rFAKE\x9b31m\x7f\u202eexe.txt\x00"
HOSTILE_SHOWN = "Hi\\x1b[2J\\rFAKE\\x9b31m\\x7f\\u202eexe.txt\\x00"
# Characters that must never reach the terminal raw (newline and tab aside).
RAW = ("\x1b", "\r", "\x9b", "\x7f", "\u202e", "\x00", "\ud800")
ANSWER = "line one\n" + HOSTILE + "\tafter a tab\r\nlast line"
ANSWER_SHOWN = "line one\n" + HOSTILE_SHOWN + "\tafter a tab\r\nlast line"
FLOW_ID = "3f0c2b9e-4a6d-4e8b-9a57-1b7c0d9e2f11"


def raw_in(text: str) -> list[str]:
    # CR LF is a newline; only a lone CR could overwrite a line.
    return [c for c in RAW if c in text.replace("\r\n", "\n")]


# --- the core function ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07"),  # ESC/CSI, OSC, BEL
        ("a\x00b\x08c\x0bd\x0ce\x1ff", "a\\x00b\\x08c\\x0bd\\x0ce\\x1ff"),  # other C0
        ("\x7f", "\\x7f"),  # DEL
        ("\x80\x9b\x9f", "\\x80\\x9b\\x9f"),  # C1, CSI among them
        ("\u202atxt\u202c\u202d\u202e\u2066\u2067\u2068\u2069", "\\u202atxt\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069"),
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),  # bidi marks
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),  # line and paragraph separators
        ("lone \ud800 surrogate \udfff", "lone \\ud800 surrogate \\udfff"),  # cannot be encoded
    ],
)
def test_escape_shows_each_kind_of_control(text: str, shown: str) -> None:
    assert escape(text) == shown
    assert escape(text, multiline=True) == shown
    shown.encode("utf-8")  # printable whatever the terminal


def test_one_line_escapes_newlines_and_tabs_an_answer_keeps_them() -> None:
    assert escape("a\nb\tc\r\nd\re") == "a\\nb\\tc\\r\\nd\\re"
    assert escape("a\nb\tc\r\nd\re", multiline=True) == "a\nb\tc\r\nd\\re"
    assert escape("ends with\r", multiline=True) == "ends with\\r"


def test_plain_text_is_untouched() -> None:
    text = "Café, 東京, emoji 😀, ZWJ 👩\u200d💻, NBSP\u00a0, soft\u00adhyphen, \\x1b as typed"
    assert escape(text) == text
    assert escape(text, multiline=True) == text
    assert escape("") == ""


def test_long_text_is_escaped_whole() -> None:
    text = ("word \x1b[31m red\n" * 20000)
    out = escape(text, multiline=True)
    assert out == text.replace("\x1b", "\\x1b")


# --- lfdesk components (a flow file) ------------------------------------------------------------


def hostile_flow() -> dict[str, Any]:
    data = load_flow("echo_chat.flow.json")
    data["name"] = "Echo " + HOSTILE
    node = next(n for n in data["data"]["nodes"] if n["id"] == "OpenAIModelComponent-44DEX")
    node["data"]["node"]["display_name"] = "OpenAI\nFAKE-COMPONENT  [Fake]"
    node["data"]["node"]["template"]["model_name"]["value"] = "gpt\x1b[8m hidden \ud800"
    return data


def test_components_escapes_names_and_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile_flow()), encoding="utf-8")
    assert main(["components", str(path)]) == 0
    out = capsys.readouterr().out
    assert raw_in(out) == []
    assert out.startswith("Echo " + HOSTILE_SHOWN + "  (")
    assert "OpenAI\\nFAKE-COMPONENT  [Fake]" in out
    assert not any(line.startswith("FAKE-COMPONENT") for line in out.splitlines())
    assert "gpt\\x1b[8m hidden \\ud800" in out


def test_components_json_stays_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(hostile_flow()), encoding="utf-8")
    assert main(["components", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["flow"]["name"] == "Echo " + HOSTILE
    comp = next(c for c in out["components"] if c["id"] == "OpenAIModelComponent-44DEX")
    assert comp["display_name"] == "OpenAI\nFAKE-COMPONENT  [Fake]"
    model = next(f for f in comp["fields"] if f["name"] == "model_name")
    assert model["value"] == "gpt\x1b[8m hidden \ud800"  # a lone surrogate too


def test_profile_list_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    ProfileStore().add(Profile(name="astra", kind="datastax", base_url="", datastax_id="id\x1b[2J\nFAKE"))
    assert main(["profile", "list"]) == 0
    out = capsys.readouterr().out
    assert raw_in(out) == [] and "id\\x1b[2J\\nFAKE" in out
    assert len(out.splitlines()) == 1


# --- a hostile server -----------------------------------------------------------------------


def _message(text: str, state: str) -> dict[str, Any]:
    return {"id": "m1", "sender": "Machine", "sender_name": "AI", "session_id": "s1", "text": text,
            "properties": {"state": state}}


def _reply(text: str) -> dict[str, Any]:
    return {"session_id": "s1", "outputs": [{"inputs": {}, "outputs": [{"results": {"message": _message(text, "complete")}}]}]}


def _stream(chunks: list[str]) -> bytes:
    text = "".join(chunks)
    events = [{"event": "add_message", "data": _message(chunks[0], "partial")}]
    events += [{"event": "token", "data": {"id": "m1", "chunk": c}} for c in chunks]
    events += [{"event": "add_message", "data": _message(text, "complete")},
               {"event": "end", "data": {"result": _reply(text)}}]
    return b"".join(json.dumps(e).encode() + b"\n\n" for e in events)


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/api/v1/flows/":
            flows = [
                {"id": FLOW_ID, "name": "Flow " + HOSTILE, "endpoint_name": "ep\tFAKE\nrow"},
                {"id": SAMPLE_ID, "name": "surrogate \ud800 name", "endpoint_name": None},
            ]
            self._send(200, json.dumps(flows).encode())  # ensure_ascii: "\ud800" on the wire
        elif path == f"/api/v1/flows/{FLOW_ID}":
            self._send(200, json.dumps(hostile_flow()).encode())
        else:
            self._send(404, b'{"detail": "Not Found"}')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "/run/boom" in self.path:
            detail = "Error building \x1b[2J\nlfdesk: a fake second line\rlfdesk: a fake line \u202e"
            self._send(500, json.dumps({"detail": detail}).encode())
        elif "stream=true" in self.path:
            # The hostile part split over tokens: ESC alone in one, a lone CR at a token's end.
            chunks = ["line one\nHi", "\x1b", "[2J\r", "FAKE\x9b31m\x7f", "\u202eexe.txt\x00",
                      "\tafter a tab\r", "\nlast line"]
            self._send(200, _stream(chunks), "text/event-stream; charset=utf-8")
        else:
            self._send(200, json.dumps(_reply(ANSWER)).encode())

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_flows_escapes_each_column(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "--url", hostile_url]) == 0
    out = capsys.readouterr().out
    assert raw_in(out) == []
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows == [
        [FLOW_ID, "ep\\tFAKE\\nrow", "Flow " + HOSTILE_SHOWN],
        [SAMPLE_ID, "-", "surrogate \\ud800 name"],
    ]


def test_flows_json_stays_exact(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "--url", hostile_url, "--json"]) == 0
    flows = json.loads(capsys.readouterr().out)
    assert [f["name"] for f in flows] == ["Flow " + HOSTILE, "surrogate \ud800 name"]
    assert flows[0]["endpoint_name"] == "ep\tFAKE\nrow"


def test_pull_escapes_the_flow_name(hostile_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "pulled.json"
    assert main(["pull", FLOW_ID, "--url", hostile_url, "-o", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert raw_in(out) == [] and out.startswith("saved Echo " + HOSTILE_SHOWN + " (")
    pulled = json.loads(out_file.read_text(encoding="utf-8"))
    assert pulled == hostile_flow()  # exact, a lone surrogate in a value too


def test_run_answer_keeps_lines_and_escapes_controls(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "echo", "--url", hostile_url, "--input", "hi"]) == 0
    out = capsys.readouterr().out
    assert out == ANSWER_SHOWN + "\n"


def test_run_stream_escapes_controls_split_over_tokens(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "echo", "--url", hostile_url, "--input", "hi", "--stream"]) == 0
    out = capsys.readouterr().out
    # The CR LF split over two tokens shows its CR (a terminal cannot take it back); the rest
    # reads as the whole answer does.
    assert raw_in(out) == []
    assert out == ANSWER_SHOWN.replace("\r\n", "\\r\n") + "\n"


def test_run_json_stays_exact(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "echo", "--url", hostile_url, "--input", "hi", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["outputs"][0]["outputs"][0]["results"]["message"]["text"] == ANSWER


def test_server_error_is_one_escaped_line(hostile_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "boom", "--url", hostile_url, "--input", "hi"]) != 0
    err = capsys.readouterr().err
    assert raw_in(err) == []
    assert err.startswith("lfdesk: ") and "Error building \\x1b[2J" in err
    assert "a fake line \\u202e" in err
    assert len(err.splitlines()) == 1


def test_snippet_note_escapes_a_component_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The id appears inside edge handles too (as JSON text): rename it everywhere.
    text = ECHO_FLOW.read_text(encoding="utf-8").replace("ChatInput-wEKUV", "ChatInput-\\u001b[2J")
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    code = main(["snippet", str(path), "--lang", "curl", "--input", "hi",
                 "--tweak", "ChatInput-\x1b[2J.input_value=other"])
    assert code == 0
    err = capsys.readouterr().err
    assert "note: " in err and "ChatInput-\\x1b[2J" in err and raw_in(err) == []


def test_profile_add_echoes_the_url_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["profile", "add", "p", "--url", "http://host/a\x1b[2Jb"])
    out, err = capsys.readouterr()
    if code == 0:  # a URL with a control character may also be refused, in one line
        assert out == "saved profile p: http://host/a\\x1b[2Jb\n"
    else:
        assert len(err.splitlines()) == 1
    assert raw_in(out + err) == []
