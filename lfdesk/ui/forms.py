"""The component form: one row per field of the selected component, editing its TweakSet.

The form writes what the user does into the TweakSet it was given (`try_set`) and says so
with `tweakChanged`; it shows the TweakSet's verdict (changed, invalid and why) and never
renders code. Fields whose choices live on the server get what a presenter learnt of them
(`set_server_fields`, `set_models`, `set_notes`, `set_field_options`) and a refresh button
(`refreshRequested`); the form only shows it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lfdesk.core.flow import Component, Field, FieldKind, FieldView, Flow
from lfdesk.core.tweaks import GlobalVariable, TweakSet
from lfdesk.ui import icons
from lfdesk.ui.editors import (
    FieldEditor,
    FileEditor,
    ModelEditor,
    make_editor,
    monospace_font,
)
from lfdesk.ui.formparts import (
    ERROR_STYLE,
    HELP_STYLE,
    FieldRow,
    Section,
    field_tooltip,
    label_width,
    small_label,
)
from lfdesk.ui.formserver import ServerSide
from lfdesk.ui.serverfields import FieldNote, NodeFacts, ServerModels

_MAX_LABEL_WIDTH = 170


class ComponentForm(QWidget):
    """Typed editors for the fields of one component, over a TweakSet.

    Signals:
        tweakChanged(str, str): the TweakSet was updated for (component id, field name).
        uploadRequested(str, str, str): upload (component id, field name, local path);
            answer with `set_uploaded_path`.
        refreshRequested(str, str): ask the server for the choices of (component id, field
            name); answer with `set_field_options` / `set_models`, and `set_notes`.
    """

    tweakChanged = Signal(str, str)
    uploadRequested = Signal(str, str, str)
    refreshRequested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._flow: Flow | None = None
        self._component: Component | None = None
        self._tweaks: TweakSet | None = None
        self._view = FieldView.ALL
        self.rows: dict[str, FieldRow] = {}
        self._sections: list[Section] = []
        self._server = ServerSide()  # what the server says of the fields (set_server_fields...)

        # Header: stays in place while the fields scroll.
        self.header = QFrame(self)
        self.header.setFrameShape(QFrame.Shape.NoFrame)
        self.icon_label = QLabel(self.header)
        self.icon_label.setFixedSize(32, 32)
        self.title_label = QLabel(self.header)
        title_font = QFont(self.title_label.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        self.title_label.setFont(title_font)
        self.id_label = QLabel(self.header)
        self.id_label.setFont(monospace_font())
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.id_label.setStyleSheet(HELP_STYLE)
        self.type_label = QLabel(self.header)
        self.type_label.setStyleSheet(HELP_STYLE)
        self.description_label = QLabel(self.header)
        self.description_label.setWordWrap(True)
        self.description_label.setStyleSheet(HELP_STYLE)
        self.reset_component_button = QPushButton("Reset component", self.header)
        self.reset_component_button.setIcon(icons.badge_icon("reset"))
        self.reset_component_button.setToolTip("Back to the flow's values for every field here")
        self.reset_component_button.clicked.connect(self.reset_component)

        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title_label)
        ids = QHBoxLayout()
        ids.setSpacing(8)
        ids.addWidget(self.id_label)
        ids.addWidget(self.type_label)
        ids.addStretch(1)
        names.addLayout(ids)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(names, 1)
        top.addWidget(self.reset_component_button, 0, Qt.AlignmentFlag.AlignTop)
        head = QVBoxLayout(self.header)
        head.setContentsMargins(8, 8, 8, 4)
        head.setSpacing(4)
        head.addLayout(top)
        head.addWidget(self.description_label)

        self.empty_label = QLabel("Select a component in the tree to edit its fields.", self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet(HELP_STYLE)
        self.empty_label.setWordWrap(True)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = QWidget()
        self.content_layout = QVBoxLayout(self.content)
        self.content_layout.setContentsMargins(8, 4, 8, 8)
        self.content_layout.setSpacing(6)
        self.scroll_area.setWidget(self.content)

        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self._line = line

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(line)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.empty_label, 1)
        self._show_empty(True)

    # --- public ---------------------------------------------------------------------------

    @property
    def component(self) -> Component | None:
        return self._component

    @property
    def component_id(self) -> str | None:
        return self._component.id if self._component else None

    @property
    def view(self) -> FieldView:
        return self._view

    def set_component(
        self,
        flow: Flow | None,
        component: Component | str | None,
        tweaks: TweakSet | None,
        view: FieldView | str = FieldView.ALL,
    ) -> None:
        """Show the fields of `component` (an object or an id) in `view`, editing `tweaks`.

        ValueError for a view that is not a FieldView."""
        new_view = FieldView(view)
        if isinstance(component, str):
            component = flow.component(component) if flow is not None else None
        self._flow = flow
        self._component = component
        self._tweaks = tweaks
        self._view = new_view
        self._rebuild()

    def set_view(self, view: FieldView | str) -> None:
        new_view = FieldView(view)
        if new_view is not self._view:
            self._view = new_view
            self._rebuild()

    def clear(self) -> None:
        self.set_component(None, None, None, self._view)

    def refresh(self) -> None:
        """Re-read every row from the TweakSet (after a preset, a reset elsewhere, ...)."""
        for row in self.rows.values():
            self._load_row(row)
        self._update_header_state()

    def field_editor(self, name: str) -> FieldEditor:
        return self.rows[name].editor

    def focus_field(self, name: str) -> bool:
        """Scroll to a field's row and give its editor the focus."""
        row = self.rows.get(name)
        if row is None:
            return False
        for section in self._sections:
            if section.isAncestorOf(row.container) and not section.toggle.isChecked():
                section.set_open(True)
        # After the layout settled, so the row has its place.
        QTimer.singleShot(
            0, self, lambda: self.scroll_area.ensureWidgetVisible(row.container, 0, 40)
        )
        row.editor.focus_editor()
        return True

    def set_uploaded_path(self, component_id: str, field_name: str, server_path: str) -> None:
        """An upload finished: put its server path in the field's tweak."""
        if self._component is not None and component_id == self._component.id:
            row = self.rows.get(field_name)
            if row is not None and isinstance(row.editor, FileEditor):
                row.editor.add_server_path(server_path)
                return
        if self._tweaks is None:
            return
        try:
            comp = self._tweaks.flow.component(component_id)
            fld = comp.field(field_name)
        except KeyError:
            return
        raw: Any = server_path
        if fld.is_list:
            current = self._tweaks.value(comp.id, fld.name)
            items = (
                [p for p in current if isinstance(p, str) and p]
                if isinstance(current, list)
                else []
            )
            if isinstance(current, str) and current:
                items = [current]
            raw = [*items, server_path]
        self._tweaks.try_set(comp.id, fld.name, raw)
        self.tweakChanged.emit(comp.id, fld.name)

    def reset_field(self, name: str) -> None:
        if self._tweaks is None or self._component is None:
            return
        self._tweaks.reset(self._component.id, name)
        row = self.rows.get(name)
        if row is not None:
            self._load_row(row)
        self._update_header_state()
        self.tweakChanged.emit(self._component.id, name)

    def reset_component(self) -> None:
        if self._tweaks is None or self._component is None:
            return
        cid = self._component.id
        changed = [f.name for f in self._component.fields if self._tweaks.is_changed(cid, f.name)]
        self._tweaks.reset(cid)
        self.refresh()
        for name in changed:
            self.tweakChanged.emit(cid, name)

    # --- what the server says -------------------------------------------------------------

    def set_server_fields(self, facts: Mapping[str, NodeFacts]) -> None:
        """What the flow's own JSON says of its fields, by component id (which ones the
        server refreshes, each ModelInput's model type): the rows follow, rebuilt only when
        a refresh button comes or goes (the focus stays in its field)."""
        self._server.set_facts(dict(facts))
        cid = self.component_id or ""
        if any(
            (row.refresh_button is not None) != self._server.refreshable(cid, row.field)
            for row in self.rows.values()
        ):
            focused = next((n for n, r in self.rows.items() if r.editor.hasFocus()), None)
            self._rebuild()
            if focused is not None:
                self.focus_field(focused)
            return
        for row in self.rows.values():
            if isinstance(row.editor, ModelEditor):
                self._server.apply(cid, row.field, row.editor)
                self._load_row(row)

    def forget_server_state(self) -> None:
        """Another flow: no facts, notes or refreshed options of the last one (the rows
        follow when the form shows the new flow)."""
        self._server.forget()

    def set_models(self, models: ServerModels | None) -> None:
        """The connection's model catalog (None: none at hand): model fields offer it."""
        self._server.set_models(models)
        for row in self.rows.values():
            if isinstance(row.editor, ModelEditor) and self._component is not None:
                self._server.apply(self._component.id, row.field, row.editor)
                self._load_row(row)

    def set_connected(self, on: bool) -> None:
        """Whether a server is at hand to ask for choices (the refresh buttons follow)."""
        self._server.connected = on
        for row in self.rows.values():
            self._server.enable_refresh(row)

    def set_notes(self, component_id: str, notes: Mapping[str, FieldNote]) -> None:
        """The lines under a component's fields saying what the server does with them (they
        replace the component's notes before)."""
        kept = self._server.notes
        for key in [k for k in kept if k[0] == component_id]:
            del kept[key]
        kept.update({(component_id, name): note for name, note in notes.items()})
        if component_id == self.component_id:
            for row in self.rows.values():
                self._server.show_note(component_id, row)

    def note(self, component_id: str, name: str) -> FieldNote | None:
        return self._server.notes.get((component_id, name))

    def set_field_options(self, component_id: str, name: str, options: Sequence[Any]) -> None:
        """Choices the server gave a field (a refresh): its drop-down offers them."""
        self._server.options[(component_id, name)] = tuple(options)
        row = self.rows.get(name) if component_id == self.component_id else None
        if row is not None and self._server.apply(component_id, row.field, row.editor):
            self._load_row(row)

    def _refresh_clicked(self, name: str) -> None:
        if self._component is not None:
            self.refreshRequested.emit(self._component.id, name)

    # --- building -------------------------------------------------------------------------

    def _show_empty(self, empty: bool) -> None:
        self.header.setVisible(not empty)
        self._line.setVisible(not empty)
        self.scroll_area.setVisible(not empty)
        self.empty_label.setVisible(empty)

    def _clear_rows(self) -> None:
        self.rows.clear()
        self._sections.clear()
        while self.content_layout.count():
            item = self.content_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.hide()
                w.deleteLater()

    def _rebuild(self) -> None:
        self.setUpdatesEnabled(False)
        try:
            self._clear_rows()
            comp = self._component
            if comp is None or self._tweaks is None:
                self._show_empty(True)
                return
            self._show_empty(False)
            self._fill_header(comp)
            fields = comp.fields_in(self._view)
            main = [f for f in fields if f.tweakable and not f.advanced]
            advanced = [f for f in fields if f.tweakable and f.advanced]
            locked = [f for f in fields if not f.tweakable]
            if not fields:
                note = QLabel(
                    "No fields exposed by the flow author here."
                    if self._view is FieldView.EXPOSED
                    else "This component has no fields.",
                    self.content,
                )
                note.setStyleSheet(HELP_STYLE)
                self.content_layout.addWidget(note)
            groups = [
                ("Fields", main, True),
                (f"Advanced ({len(advanced)})", advanced, not main or len(advanced) <= 12),
                (f"Not tweakable ({len(locked)})", locked, False),
            ]
            width = 0
            for title, group, open_ in groups:
                if not group:
                    continue
                section = Section(title, self.content, open_=open_)
                if title == "Fields" and not (advanced or locked):
                    section.toggle.setVisible(False)
                self._sections.append(section)
                for r, fld in enumerate(group):
                    row = self._make_row(section, fld, r)
                    self.rows[fld.name] = row
                    width = max(width, label_width(row.label, fld.display_name))
                self.content_layout.addWidget(section)
            # One label column width for every section, so the editors line up; long names
            # wrap rather than push the editors away.
            width = min(width, _MAX_LABEL_WIDTH)
            for section in self._sections:
                section.grid.setColumnMinimumWidth(0, width)
            for row in self.rows.values():
                row.label.setMinimumWidth(width)
            self.content_layout.addStretch(1)
            for row in self.rows.values():
                self._load_row(row)
            self._update_header_state()
            self.scroll_area.verticalScrollBar().setValue(0)
        finally:
            self.setUpdatesEnabled(True)

    def _fill_header(self, comp: Component) -> None:
        self.icon_label.setPixmap(icons.component_icon(comp.icon).pixmap(32, 32))
        self.title_label.setText(comp.display_name)
        self.id_label.setText(comp.id)
        self.type_label.setText(comp.type if comp.type != comp.display_name else "")
        self.description_label.setText(comp.description)
        self.description_label.setVisible(bool(comp.description))

    def _make_row(self, section: Section, fld: Field, r: int) -> FieldRow:
        assert self._tweaks is not None and self._component is not None
        cid = self._component.id
        grid = section.grid
        label = QLabel(fld.display_name, section.body)
        label.setToolTip(field_tooltip(fld))
        label.setWordWrap(True)
        label.setMaximumWidth(_MAX_LABEL_WIDTH)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        # Line the label's text up with the text inside the editor's frame.
        label.setContentsMargins(0, 4, 0, 0)
        value = self._tweaks.value(cid, fld.name) if fld.tweakable else fld.value
        editor = make_editor(fld, section.body, value)
        label.setBuddy(editor)
        container = QWidget(section.body)
        column = QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        refresh_button = self._server.refresh_button(
            container, cid, fld, functools.partial(self._refresh_clicked, fld.name)
        )
        if refresh_button is None:
            column.addWidget(editor)
        else:
            line = QHBoxLayout()
            line.setSpacing(4)
            line.addWidget(editor, 1)
            line.addWidget(refresh_button, 0, Qt.AlignmentFlag.AlignTop)
            column.addLayout(line)
        self._server.apply(cid, fld, editor)
        help_text = fld.info if fld.tweakable else f"Not tweakable: {fld.reason or 'not supported'}"
        help_label: QLabel | None = None
        if help_text:
            help_label = small_label(help_text, container)
            help_label.setToolTip(fld.info or "")
            column.addWidget(help_label)
        note_label = small_label("", container)
        note_label.setVisible(False)
        note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(note_label)
        error_label = QLabel(container)
        error_label.setWordWrap(True)
        error_label.setStyleSheet(ERROR_STYLE)
        error_label.setVisible(False)
        error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(error_label)
        editor.setToolTip(fld.info)

        reset_button: QToolButton | None = None
        if fld.tweakable:
            reset_button = QToolButton(section.body)
            reset_button.setText("↺")
            reset_button.setIcon(icons.badge_icon("reset"))
            reset_button.setAutoRaise(True)
            reset_button.setToolTip(f"Back to the flow's value for {fld.display_name}")
            reset_button.clicked.connect(lambda _c=False, n=fld.name: self.reset_field(n))
            grid.addWidget(reset_button, r, 2, Qt.AlignmentFlag.AlignTop)
        else:
            lock = QLabel(section.body)
            lock.setPixmap(icons.badge_icon("locked").pixmap(16, 16))
            lock.setToolTip(fld.reason or "not tweakable")
            grid.addWidget(lock, r, 2, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            label.setEnabled(False)

        grid.addWidget(label, r, 0)
        grid.addWidget(container, r, 1)
        editor.edited.connect(lambda raw, n=fld.name: self._on_edited(n, raw))
        if isinstance(editor, FileEditor):
            editor.uploadRequested.connect(
                lambda path, n=fld.name: self.uploadRequested.emit(cid, n, path)
            )
        row = FieldRow(fld, label, editor, reset_button, help_label, error_label, container)
        row.note_label, row.refresh_button = note_label, refresh_button
        self._server.show_note(cid, row)
        self._server.enable_refresh(row)
        return row

    # --- state ----------------------------------------------------------------------------

    def _display_value(self, fld: Field) -> Any:
        assert self._tweaks is not None and self._component is not None
        cid = self._component.id
        value = self._tweaks.value(cid, fld.name)
        if (
            fld.kind is FieldKind.SECRET
            and fld.load_from_db
            and isinstance(value, str)
            and value
            and not self._tweaks.is_changed(cid, fld.name)
        ):
            # The flow's own value of a load_from_db secret names a global variable.
            return GlobalVariable(value)
        return value

    def _load_row(self, row: FieldRow) -> None:
        fld = row.field
        if self._tweaks is None or self._component is None:
            return
        if not fld.tweakable:
            row.editor.set_value(fld.value)
            return
        bad = self._tweaks.invalid(self._component.id, fld.name)
        if bad is not None:
            row.editor.set_raw(bad.raw)
        else:
            row.editor.set_value(self._display_value(fld))
        self._update_row_state(row)

    def _update_row_state(self, row: FieldRow) -> None:
        assert self._tweaks is not None and self._component is not None
        fld = row.field
        cid = self._component.id
        changed = self._tweaks.is_changed(cid, fld.name)
        bad = self._tweaks.invalid(cid, fld.name)
        row.label.setText(f"{fld.display_name} *" if changed else fld.display_name)
        font = row.label.font()
        font.setBold(changed)
        row.label.setFont(font)
        if row.reset_button is not None:
            row.reset_button.setEnabled(changed)
        row.error_label.setText(bad.message if bad else "")
        row.error_label.setVisible(bad is not None)
        row.editor.set_invalid(bad is not None)

    def _update_header_state(self) -> None:
        if self._tweaks is None or self._component is None:
            return
        self.reset_component_button.setEnabled(self._tweaks.is_changed(self._component.id))

    def _on_edited(self, name: str, raw: Any) -> None:
        if self._tweaks is None or self._component is None:
            return
        cid = self._component.id
        self._tweaks.try_set(cid, name, raw)
        row = self.rows.get(name)
        if row is not None:
            self._update_row_state(row)
        self._update_header_state()
        self.tweakChanged.emit(cid, name)
