"""The history presenter: the History pane over the HistoryController, and what a past run
can do: be restored into the open flow (its message and tweaks), copied as a curl command,
deleted, or cleared with all the others.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication

from lfdesk.core import codegen
from lfdesk.core.document import Document
from lfdesk.core.history import HistoryEntry
from lfdesk.core.request import RequestError
from lfdesk.core.tweaks import TweakError
from lfdesk.ui.documents import DocumentPresenter
from lfdesk.ui.parts import Parts, Presenter


class HistoryPresenter(Presenter):
    """Past runs in the History pane, and restoring one.

    Signals: ``tweaksReplaced()`` (a restored run replaced the document's tweaks: tree, form
    and preview show them again), ``restored()`` (a run's message is back in the chat input:
    show the chat, ready to send).
    """

    tweaksReplaced = Signal()
    restored = Signal()

    def __init__(self, parts: Parts, documents: DocumentPresenter) -> None:
        super().__init__(parts)
        self.history = history = parts.history
        self.pane = pane = parts.window.history_pane
        self.documents = documents
        notices = self.notices
        history.listed.connect(pane.set_entries)
        history.recorded.connect(self._recorded)
        history.deleted.connect(pane.remove_entry)
        history.cleared.connect(lambda: pane.set_entries([]))
        history.warning.connect(notices.info)
        history.failed.connect(notices.error)
        pane.searchChanged.connect(lambda text: self.history.refresh(text))
        pane.restoreRequested.connect(self.restore_run)
        pane.copyCurlRequested.connect(self.copy_run_as_curl)
        pane.deleteRequested.connect(history.delete)
        pane.clearRequested.connect(history.clear)

    @property
    def document(self) -> Document | None:
        return self.documents.document

    def refresh(self) -> None:
        self.history.refresh(self.pane.search_text() or None)

    def _recorded(self, entry: HistoryEntry) -> None:
        search = self.pane.search_text()
        if search:
            self.history.refresh(search)
        else:
            self.pane.add_entry(entry)

    def restore_run(self, entry: HistoryEntry) -> bool:
        """Put a past run's message and tweaks back into the current flow (the same flow)."""
        d = self.document
        if d is None:
            return False
        if not entry.same_flow(d.flow_id, d.flow_ref, d.flow.name):
            self.notices.info(
                f"That run was of the flow “{entry.flow_name or entry.flow_ref}”, and "
                f"“{d.flow.name}” is open. Open that flow, then press Restore again."
            )
            return False
        try:
            problems = d.apply_tweaks(entry.tweaks())
        except TweakError as exc:
            self.notices.error(f"The run's tweaks could not be restored: {exc}")
            return False
        self.chat.set_input_text(entry.input_value or "")
        self.tweaksReplaced.emit()
        when = f"{entry.when:%Y-%m-%d %H:%M:%S}"
        if problems:
            self.notices.info(f"Restored the run of {when}, except: " + "; ".join(problems))
        else:
            self.notices.dismiss()
            self.notices.say(f"Restored the message and tweaks of {when}.", 6000)
        self.restored.emit()  # the message is back in the chat input, ready to send
        self.chat.input.setFocus()
        return True

    def copy_run_as_curl(self, entry: HistoryEntry) -> str | None:
        """Copy a past run as a curl command (the token comes from $LANGFLOW_API_KEY)."""
        try:
            text = codegen.get("curl").render(entry.to_request())
        except (RequestError, ValueError) as exc:
            self.notices.error(f"That run cannot be turned into a curl command: {exc}")
            return None
        QGuiApplication.clipboard().setText(text)
        self.notices.say(
            "Copied the run as a curl command (it reads the token from $LANGFLOW_API_KEY).", 6000
        )
        return text
