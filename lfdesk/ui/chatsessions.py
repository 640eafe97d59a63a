"""The chat sessions presenter: which Langflow chat session the chat talks in.

A new document starts a fresh chat; "New session" starts another; the Sessions menu lists
the sessions the server stored for the flow, and choosing one continues the chat there
(runs and the preview use it) with its stored messages shown.
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from lfdesk.core.conversation import Change
from lfdesk.core.document import Document
from lfdesk.ui.connectionview import ConnectionPresenter
from lfdesk.ui.documents import DocumentPresenter
from lfdesk.ui.parts import DocumentFollower, Parts


class ChatSessionPresenter(DocumentFollower):
    """The chat session of the open document, and the server's past sessions.

    Signals: ``sessionChanged(str)`` (the document's chat session is another one now: the
    preview shows it).
    """

    sessionChanged = Signal(str)

    def __init__(
        self, parts: Parts, documents: DocumentPresenter, connection: ConnectionPresenter
    ) -> None:
        super().__init__(parts, documents, connection)
        self.runs = parts.runs
        chat, conn = self.chat, self.conn
        chat.newSessionRequested.connect(self.new_session)
        chat.sessionsRequested.connect(self.list_sessions)
        chat.sessionChosen.connect(self.switch_session)
        documents.documentChanged.connect(self.show_document)
        connection.profileChanged.connect(lambda _name: self.update_button())
        conn.sessionsListed.connect(self._sessions_listed)
        conn.sessionsListFailed.connect(self._list_failed)
        conn.messagesLoaded.connect(self._messages_loaded)
        conn.messagesLoadFailed.connect(
            lambda message: self.chat.show_error(
                f"Could not load the chat session's messages:\n{message}"
            )
        )

    @property
    def document(self) -> Document | None:
        return self.documents.document

    def show_document(self, document: Document) -> None:
        """A new document: an empty chat in its own session."""
        self.chat.clear()
        self.chat.set_session_id(document.session_id)
        self.chat.set_placeholder(document.input_value)
        self.update_button()

    def update_button(self) -> None:
        d = self.document
        if self.connection.current_profile() is None:
            self.chat.set_sessions_available(False, "Past sessions need a connection to a server")
        elif d is None or not d.flow_id:
            self.chat.set_sessions_available(
                False, "This flow has no id, so the server cannot list its sessions"
            )
        else:
            self.chat.set_sessions_available(True)

    def new_session(self) -> None:
        if self.document is None:
            return
        self.runs.stop()
        sid = self.document.new_session()
        self.chat.clear()
        self.chat.set_session_id(sid)
        self.sessionChanged.emit(sid)
        self.notices.say(f"New chat session {sid}", 5000)

    # --- past sessions on the server ----------------------------------------------------------

    def list_sessions(self) -> None:
        """Ask the server for this flow's chat sessions; the menu opens when they arrive."""
        d, profile = self.document, self.connection.current_profile()
        if d is None or profile is None or not d.flow_id:
            self.chat.show_info(
                "Past sessions come from a Langflow server: choose a connection and open a "
                "flow that exists there (File > Open from server…)."
            )
            return
        self.chat.set_sessions_loading()
        self.notices.say(f"Listing the chat sessions on {profile.base_url} …", 5000)
        self.conn.list_sessions(profile, d.flow_id)

    def _sessions_listed(self, flow_id: str, session_ids: list[str]) -> None:
        d = self.document
        if d is None or flow_id != d.flow_id:
            return  # another flow was opened meanwhile
        self.notices.clear_status()
        self.chat.show_sessions([str(x) for x in session_ids], d.session_id)
        if not session_ids:
            self.chat.show_info("The server has no stored chat sessions for this flow yet.")

    def _list_failed(self, message: str) -> None:
        self.chat.show_sessions([], "", popup=False)
        self.chat.show_error(f"Could not list the chat sessions on the server:\n{message}")

    def switch_session(self, session_id: str) -> None:
        """Continue the chat in ``session_id``: runs and the preview use it from now on, and
        its stored messages are loaded from the server."""
        d, profile = self.document, self.connection.current_profile()
        if d is None or not session_id:
            return
        self.runs.stop()
        d.session_id = session_id
        self.chat.clear()
        self.chat.set_session_id(session_id)
        self.sessionChanged.emit(session_id)
        if profile is None or not d.flow_id:
            return
        self.notices.say(f"Loading chat session {session_id} …", 5000)
        self.conn.load_messages(profile, d.flow_id, session_id)

    def _messages_loaded(self, flow_id: str, session_id: str, changes: list[Change]) -> None:
        d = self.document
        if d is None or flow_id != d.flow_id or session_id != d.session_id:
            return  # the user moved on before the answer came
        self.notices.clear_status()
        self.chat.show_conversation(changes)
