"""ChatPane: upsert by id, coalesced tokens, errors as text, timings line, keys, raw log."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from lfdesk.core.api import (
    EndEvent,
    ErrorEvent,
    MessageEvent,
    NdjsonParser,
    RunResult,
    RunStats,
    TokenEvent,
    Usage,
)
from lfdesk.ui.chatpane import RAW_LOG_LINES, ChatPane, format_stats

CAPTURES = Path(__file__).parents[1] / "data" / "captures"

# The offscreen platform cannot pass size hints to a window; that is not our bug.
pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


def msg(mid: str, text: str, *, sender: str = "Machine", state: str = "complete",
        error: bool = False) -> MessageEvent:
    raw = {"id": mid, "text": text, "sender": sender, "sender_name": "AI" if sender == "Machine" else "User"}
    return MessageEvent(
        id=mid, sender=sender, sender_name=raw["sender_name"], text=text, state=state,
        session_id="s", usage=None, is_error=error, raw=raw,
    )


@pytest.fixture
def pane(qtbot) -> ChatPane:
    w = ChatPane()
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.show()
    return w


def test_messages_are_upserted_by_id(pane: ChatPane) -> None:
    pane.begin_run("what is up")
    pane.apply_event(msg("u1", "what is up", sender="User"))
    pane.apply_event(msg("a1", "Hel", state="partial"))
    pane.apply_event(msg("a1", "Hello **there**", state="complete"))
    views = pane.messages()
    assert [v.role for v in views] == ["user", "ai"]  # the server's echo merged with ours
    assert views[1].text() == "Hello **there**"
    assert pane.message("a1") is views[1]
    # Markdown rendered: the stars are gone from what the user reads
    assert views[1].body.toPlainText() == "Hello there"


def test_capture_stream_shows_no_doubled_first_chunk(pane: ChatPane, qtbot) -> None:
    parser = NdjsonParser()
    events = parser.feed((CAPTURES / "echo_run_stream.ndjson").read_bytes()) + parser.close()
    pane.begin_run("stream me")
    seen: list[str] = []
    for ev in events:
        pane.apply_event(ev)
        pane.flush()
        answers = [v for v in pane.messages() if v.role == "ai"]
        if answers:
            seen.append(answers[0].body.toPlainText())
    assert all(not s.startswith("ECHO[gpt-4o-mini|t=0.7]:ECHO") for s in seen), seen
    assert "ECHO[gpt-4o-mini|t=0.7]: Be loud:" in seen  # a partial state was shown
    assert seen[-1] == "ECHO[gpt-4o-mini|t=0.7]: Be loud: stream me"
    assert [v.role for v in pane.messages()] == ["user", "ai"]


def test_two_thousand_tokens_are_coalesced(pane: ChatPane, qtbot) -> None:
    pane.apply_event(msg("a1", "", state="partial"))
    for i in range(2000):
        pane.apply_event(TokenEvent("a1", f"t{i} "))
    assert pane.message("a1").text() == ""  # nothing painted per token
    qtbot.waitUntil(lambda: pane.flush_count >= 1, timeout=1000)
    qtbot.wait(60)
    assert pane.flush_count <= 2
    expected = "".join(f"t{i} " for i in range(2000))
    assert pane.message("a1").text() == expected
    assert len(pane.raw_lines()) == RAW_LOG_LINES  # 2,001 events, the log keeps the last 2,000


def test_2000_tokens_a_second_all_shown_through_coalesced_repaints(pane: ChatPane, run_coro, qtbot) -> None:
    """Tokens arrive at 2,000/s for a second; the loop never stalls more than 50 ms."""
    # Warm up: the first paint of a window (fonts, Markdown) is not what is measured here.
    pane.begin_run("warm up")
    pane.apply_event(msg("w1", "*warm* `up`"))
    qtbot.wait(50)
    pane.apply_event(msg("a1", "", state="partial"))
    gaps: list[float] = []
    done = False

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def feed() -> None:
        nonlocal done
        start = time.perf_counter()
        sent = 0
        while sent < 2000:
            due = int((time.perf_counter() - start) * 2000) + 1
            while sent < min(due, 2000):
                pane.apply_event(TokenEvent("a1", f"word{sent} "))
                sent += 1
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.1)
        done = True

    async def main() -> None:
        await asyncio.gather(heartbeat(), feed())

    # A full garbage collection of the whole test session's objects is not the pane's cost.
    gc.collect()
    gc.disable()
    try:
        run_coro(main())
    finally:
        gc.enable()
    assert pane.message("a1").text().count("word") == 2000
    gaps = gaps[1:]  # the first one includes starting the two coroutines
    # How long the loop may stall (< 50 ms) is a speed target: tests/bench_ui.py measures it
    # on an idle machine. Here: every token shown, through coalesced repaints.
    print(f"max loop gap {max(gaps) * 1000:.1f} ms, {pane.flush_count} flushes")
    assert 5 <= pane.flush_count <= 60, pane.flush_count


def test_errors_are_shown_as_readable_text(pane: ChatPane) -> None:
    pane.begin_run("hi")
    pane.apply_event(ErrorEvent("OpenAI: connection refused", raw={"error": "x"}))
    pane.show_error("OpenAI: connection refused\nThe flow failed while running.")
    errors = [v for v in pane.messages() if v.role == "error"]
    assert len(errors) == 1  # told twice, shown once with the longer wording
    assert errors[0].text() == "OpenAI: connection refused\nThe flow failed while running."
    assert "Traceback" not in pane.transcript_text()
    assert "OpenAI: connection refused" in pane.transcript_text()


def test_stats_line_under_the_answer(pane: ChatPane) -> None:
    pane.begin_run("hi")
    pane.apply_event(msg("a1", "answer"))
    stats = RunStats(ttft=0.25, total=0.94, usage=Usage(5, 12, 17), tokens=7)
    pane.apply_event(EndEvent(RunResult("answer", ["answer"], "s", Usage(5, 12, 17), raw={})))
    pane.finish_run("answer", stats)
    assert pane.message("a1").stats.text() == "first token 0.25 s · total 0.94 s · 5 in / 12 out tokens"
    assert format_stats(RunStats(None, 1.5, None, 0)) == "total 1.50 s"


def test_non_streamed_answer_is_added_at_the_end(pane: ChatPane) -> None:
    pane.begin_run("hi")
    pane.finish_run("the answer", RunStats(None, 0.5, None, 0))
    views = pane.messages()
    assert [v.role for v in views] == ["user", "ai"]
    assert views[1].text() == "the answer" and views[1].stats.text() == "total 0.50 s"


def test_stop_marks_the_answer(pane: ChatPane) -> None:
    pane.begin_run("hi")
    pane.apply_event(msg("a1", "partial ans", state="partial"))
    pane.stopped()
    assert pane.message("a1").stats.text() == "stopped"


def test_ctrl_enter_sends_and_escape_stops(pane: ChatPane, qtbot) -> None:
    pane.set_input_text("hello")
    with qtbot.waitSignal(pane.sendRequested) as sent:
        qtbot.keyClick(pane.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sent.args == ["hello"]
    pane.set_running(True)
    assert pane.stop_button.isEnabled() and not pane.send_button.isEnabled()
    with qtbot.waitSignal(pane.stopRequested):
        qtbot.keyClick(pane.input, Qt.Key.Key_Escape)


def test_input_history_walks_with_ctrl_up(pane: ChatPane, qtbot) -> None:
    pane.set_history(["one", "two"])
    qtbot.keyClick(pane.input, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert pane.input_text() == "two"
    qtbot.keyClick(pane.input, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert pane.input_text() == "one"
    qtbot.keyClick(pane.input, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(pane.input, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert pane.input_text() == ""


def test_raw_events_log_is_capped(pane: ChatPane, qtbot) -> None:
    pane.apply_event(msg("a1", "", state="partial"))
    for i in range(RAW_LOG_LINES + 500):
        pane.apply_event(TokenEvent("a1", str(i)))
    pane.flush()
    pane.raw_button.click()
    assert pane.raw_log.isVisible()
    assert pane.raw_log.blockCount() <= RAW_LOG_LINES
    last = pane.raw_log.toPlainText().splitlines()[-1]
    assert '"chunk": "2499"' in last


def test_session_header_and_new_session(pane: ChatPane, qtbot) -> None:
    pane.set_session_id("1a775cc2-f37c-4f5a-890d-bead1a2842ce")
    assert pane.session_label.text() == "session 1a775cc2…"
    with qtbot.waitSignal(pane.newSessionRequested):
        pane.new_session_button.click()
    pane.begin_run("x")
    pane.clear()
    assert pane.messages() == []


def test_markdown_answer_screenshot(pane: ChatPane, qtbot, artifacts_dir) -> None:
    pane.resize(760, 560)
    pane.set_session_id("1a775cc2-f37c-4f5a-890d-bead1a2842ce")
    pane.begin_run("How do I list files in Python? Show me a short example, please.")
    answer = (
        "Use **`pathlib`**:\n\n"
        "```python\nfrom pathlib import Path\n\nfor p in Path('.').iterdir():\n    print(p)\n```\n\n"
        "- `iterdir()` lists one folder\n- `rglob('*')` walks the whole tree\n\n"
        "See the [docs](https://docs.python.org/3/library/pathlib.html)."
    )
    pane.apply_event(msg("a1", answer[:40], state="partial"))
    pane.apply_event(TokenEvent("a1", answer[40:]))
    pane.flush()
    pane.apply_event(msg("a1", answer))
    pane.finish_run(answer, RunStats(ttft=0.25, total=0.94, usage=Usage(5, 12, 17), tokens=12))
    pane.show_info("Stopped.")
    pane.show_info("Stopped.")  # the same note twice in a row shows once
    assert [v.role for v in pane.messages()] == ["user", "ai", "info"]
    body = pane.message("a1").body.toPlainText()
    assert "**" not in body and "```" not in body and "for p in Path('.').iterdir():" in body
    qtbot.wait(50)
    pane.grab().save(str(artifacts_dir / "chatpane-markdown.png"))
