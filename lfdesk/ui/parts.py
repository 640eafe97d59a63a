"""What the window's presenters share, made once by ``app.Desk``: the window (its widgets),
the notices, the settings and the controllers that own the asyncio tasks.

A presenter's constructor then names only the other presenters it follows, so the wiring of
each concern reads in one place, and the shared parts are not passed along by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from lfdesk.core.settings import Settings
from lfdesk.ui.chatpane import ChatPane
from lfdesk.ui.codepreview import CodePreview
from lfdesk.ui.connection import ConnectionController
from lfdesk.ui.flowtree import FlowTree
from lfdesk.ui.forms import ComponentForm
from lfdesk.ui.mainwindow import MainWindow
from lfdesk.ui.notices import Notices
from lfdesk.ui.runs import HistoryController, RunController

if TYPE_CHECKING:  # they are presenters themselves
    from lfdesk.ui.connectionview import ConnectionPresenter
    from lfdesk.ui.documents import DocumentPresenter


@dataclass(frozen=True, slots=True, eq=False)
class Parts:
    """The shared parts of the window."""

    window: MainWindow
    notices: Notices
    settings: Settings
    conn: ConnectionController
    runs: RunController
    history: HistoryController


class Presenter(QObject):
    """Base of the presenters: one concern of the window each, children of the window, with
    the shared parts (and the window's widgets they use most) at hand."""

    def __init__(self, parts: Parts) -> None:
        super().__init__(parts.window)
        self.parts = parts
        self.window: MainWindow = parts.window
        self.notices: Notices = parts.notices
        self.settings: Settings = parts.settings
        self.conn: ConnectionController = parts.conn
        self.chat: ChatPane = parts.window.chat
        self.preview: CodePreview = parts.window.preview
        self.tree: FlowTree = parts.window.tree
        self.form: ComponentForm = parts.window.form


class DocumentFollower(Presenter):
    """A presenter that follows the open document and the chosen connection."""

    def __init__(
        self, parts: Parts, documents: DocumentPresenter, connection: ConnectionPresenter
    ) -> None:
        super().__init__(parts)
        self.documents = documents
        self.connection = connection
