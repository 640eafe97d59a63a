"""The run presenter: Run and Stop from the chat, and the run's conversation in the chat.

The request comes from ``Document.build_request``, the call the code preview makes, so what
the preview shows is what Run sends. The RunController runs it; what its conversation
changes goes to the chat pane as it arrives.
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from lfdesk.core.history import RunRecord
from lfdesk.ui.connectionview import ConnectionPresenter
from lfdesk.ui.documents import DocumentPresenter
from lfdesk.ui.parts import DocumentFollower, Parts

NO_PROFILE_MESSAGE = (
    "To run this flow, lfdesk needs a Langflow server:\n"
    "1. Open Connection > Connections… and add one (for a local server: "
    "http://127.0.0.1:7860).\n"
    "2. Paste an API key from Langflow (Settings > Langflow API Keys) into Token and Save.\n"
    "3. Make sure the flow exists on that server (File > Open from server…), then Run."
)


class RunPresenter(DocumentFollower):
    """Runs the open document with the chat's message.

    Signals: ``runningChanged(bool)`` (a run started, or the one going ended: Run and Stop
    follow).
    """

    runningChanged = Signal(bool)

    def __init__(
        self, parts: Parts, documents: DocumentPresenter, connection: ConnectionPresenter
    ) -> None:
        super().__init__(parts, documents, connection)
        self.runs = runs = parts.runs
        chat, settings = self.chat, self.settings
        chat.sendRequested.connect(self.run)
        chat.stopRequested.connect(self.stop)
        chat.rawEventsToggled.connect(self._raw_toggled)
        runs.started.connect(lambda: self.runningChanged.emit(True))
        runs.messageChanged.connect(chat.apply_change)
        runs.rawEvent.connect(chat.add_raw_line)
        runs.finished.connect(self._ended)
        runs.failed.connect(self._ended)
        runs.stopped.connect(self._ended)
        chat.set_history(settings.input_history)
        chat.set_raw_events_visible(settings.show_raw_events)

    def run(self, text: str | None = None) -> bool:
        """Send the chat input (or ``text``) as a run of the current flow."""
        d = self.documents.document
        if d is None or self.runs.is_running():
            return False
        if text is None:
            text = self.chat.input_text()
        problems = d.problems()
        if problems:
            self.chat.show_error("This flow cannot run yet:\n" + "\n".join(problems))
            return False
        profile = self.connection.current_profile()
        if profile is None:
            self.chat.show_info(NO_PROFILE_MESSAGE, title="Before you run")
            return False
        request = d.build_request(text)
        self.preview.set_request(request)
        d.input_value = request.input_value or d.input_value
        if text.strip():
            self.settings.add_input(text)
        self.chat.set_history(self.settings.input_history)
        self.chat.begin_run()
        self.chat.set_placeholder(d.input_value)
        self.chat.clear_input()
        secrets = tuple(d.tweaks.secret_literals())
        self.runs.start(request, profile=profile, secret_fields=secrets)
        return True

    def stop(self) -> None:
        self.runs.stop()

    def _ended(self, record: RunRecord) -> None:
        self.chat.end_run(record.outcome)
        self.runningChanged.emit(False)

    def _raw_toggled(self, on: bool) -> None:
        self.settings.show_raw_events = on
