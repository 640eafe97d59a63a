"""Tweaks: the per-run overrides of a flow's field values, validated and coerced by field kind.

A TweakSet holds only what differs from the flow's own values, keyed by component id, so
its JSON is exactly the `tweaks` object a run request carries. A bad value is kept (so the
form can show it and the user loses nothing) but is never part of that JSON.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lfdesk.core import jsontext
from lfdesk.core.catalog import KNOWN_PROVIDERS, parse_model_text
from lfdesk.core.flow import Component, Field, FieldKind, Flow
from lfdesk.core.jsontext import error_position
from lfdesk.core.paths import write_text_atomic
from lfdesk.core.request import json_problem, path_text, shown

_TEXT_KINDS = frozenset(
    {FieldKind.TEXT, FieldKind.MULTILINE, FieldKind.PROMPT, FieldKind.QUERY, FieldKind.SECRET}
)
_TRUE = frozenset({"true", "yes", "on", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "off", "0", "n", "f", ""})

# A number typed as text: ASCII digits, an optional sign, a point for decimals, an optional
# exponent, `_` only between digits (as in Python and Rust). Nothing a locale could read
# two ways: "1,000" is a thousand in one place and one in another, so a comma is refused.
_DIGITS = r"[0-9](?:_?[0-9])*"
_NUMBER = re.compile(
    rf"[+-]?(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
)
_NUMBER_FORMS = (
    "digits with a point for decimals, like 0.7, 1000, -2.5e3 or 1_000; "
    "no commas or other separators"
)
# Far beyond any real field, and below the 4,300 digits Python will turn into text or back.
_INT_DIGITS = 3900


class TweakError(ValueError):
    """A tweak that cannot be applied: unknown component or field, or a bad value."""


class PresetError(ValueError):
    """A preset file that cannot be read or written."""


@dataclass(frozen=True, slots=True)
class GlobalVariable:
    """A secret given as the name of a Langflow global variable, not as its value."""

    name: str

    def to_json(self) -> dict[str, Any]:
        return {"value": self.name, "load_from_db": True}


@dataclass(frozen=True, slots=True)
class Invalid:
    """A value the user typed that does not fit the field; kept to show, never sent."""

    raw: Any
    message: str


def coerce(field: Field, raw: Any) -> Any:
    """Turn what a user typed (text, or an already typed value) into the field's JSON value.

    Raises TweakError with a message fit for the user when it does not fit, or when it would
    not be sent exactly as set (NaN or an infinity anywhere in it, text that is not valid
    Unicode).
    """
    _refuse_unsendable(field, raw.name if isinstance(raw, GlobalVariable) else raw)
    value = _coerce(field, raw)
    _refuse_unsendable(field, value.name if isinstance(value, GlobalVariable) else value)
    return value


def _refuse_unsendable(field: Field, value: Any) -> None:
    """TweakError when `value` holds what JSON cannot carry exactly (checked as given, so a
    NaN is never quietly turned into the text "nan", and as coerced)."""
    found = json_problem(value)
    if found is not None:
        path, problem = found
        where = f" at {path_text(path)}" if path else ""
        raise TweakError(f"{field.name}{where}: the value {problem}")


def _no_constant(name: str) -> Any:
    """json.loads reads NaN and Infinity, which are not JSON: refuse them as typed."""
    raise ValueError(f"{name} is not a JSON number: give a finite number")


def _coerce(field: Field, raw: Any) -> Any:
    if not field.tweakable:
        raise TweakError(f"{field.name} cannot be tweaked ({field.reason or 'not tweakable'})")
    kind = field.kind
    if isinstance(raw, GlobalVariable):
        if kind not in _TEXT_KINDS:
            raise TweakError(f"{field.name}: only text and secret fields take a global variable")
        if not raw.name.strip():
            raise TweakError(f"{field.name}: the global variable needs a name")
        return raw
    if isinstance(raw, Mapping) and raw.get("load_from_db") is True and kind in _TEXT_KINDS:
        return GlobalVariable(str(raw.get("value", "")))

    if kind in _TEXT_KINDS:
        if field.is_list:
            return _coerce_str_list(field, raw)
        if raw is None:
            return ""
        if isinstance(raw, (dict, list)):
            raise TweakError(f"{field.name}: expected text, got {type(raw).__name__}")
        return raw if isinstance(raw, str) else _plain(raw)
    if kind is FieldKind.INT:
        return _range_checked(field, _to_int(field, raw))
    if kind in (FieldKind.FLOAT, FieldKind.SLIDER):
        value = _to_float(field, raw)
        if field.kind is FieldKind.SLIDER and field.range and field.range.step_type == "int":
            value = round(value)
        return _range_checked(field, value)
    if kind is FieldKind.BOOL:
        return _to_bool(field, raw)
    if kind in (FieldKind.DROPDOWN, FieldKind.TAB):
        text = raw if isinstance(raw, str) else _plain(raw)
        _check_option(field, text, allow_other=field.combobox and kind is FieldKind.DROPDOWN)
        return text
    if kind is FieldKind.MULTISELECT:
        items = _coerce_str_list(field, raw)
        for item in items:
            _check_option(field, item, allow_other=field.combobox)
        return items
    if kind is FieldKind.DICT:
        value = _json_value(field, raw)
        if isinstance(value, list) and field.is_list and all(isinstance(v, dict) for v in value):
            return value
        if not isinstance(value, dict):
            raise TweakError(f"{field.name}: expected a JSON object like {{\"key\": \"value\"}}")
        return value
    if kind in (FieldKind.NESTED_DICT, FieldKind.MCP):
        value = _json_value(field, raw)
        if not isinstance(value, dict):
            raise TweakError(f"{field.name}: expected a JSON object")
        return value
    if kind is FieldKind.TABLE:
        value = _json_value(field, raw)
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise TweakError(f"{field.name}: expected a JSON list of row objects")
        return value
    if kind is FieldKind.SORTABLE_LIST:
        value = _json_value(field, raw)
        if not isinstance(value, list):
            raise TweakError(f"{field.name}: expected a JSON list")
        return value
    if kind is FieldKind.FILE:
        if field.is_list:
            return _coerce_str_list(field, raw)
        if isinstance(raw, list) and len(raw) == 1 and isinstance(raw[0], str):
            return raw[0]
        if not isinstance(raw, str):
            raise TweakError(f"{field.name}: expected a file path on the server")
        return raw
    if kind is FieldKind.MODEL:
        return _coerce_model(field, raw)
    raise TweakError(f"{field.name}: fields of kind {kind.value} cannot be tweaked")


def _plain(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def is_number_text(text: str) -> bool:
    """Whether `text` is a number in the one form tweaks accept (spaces around it ignored):
    ASCII digits, a point for decimals, an exponent, `_` between digits; never a comma.
    Editors that read numbers themselves use it too, so "1,000" is 1.0 nowhere."""
    return _NUMBER.fullmatch(text.strip()) is not None


def _number_text(field: Field, raw: Any, expected: str) -> str:
    """The text of a typed number, checked against the one accepted form (spaces around it
    are ignored)."""
    text = str(raw).strip()
    if is_number_text(text):
        return text
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise TweakError(f"{field.name}: expected a finite number, got {shown(text)!r}")
    raise TweakError(f"{field.name}: expected {expected} ({_NUMBER_FORMS}), got {shown(text)!r}")


def _to_int(field: Field, raw: Any) -> int:
    if isinstance(raw, bool):
        raise TweakError(f"{field.name}: expected a whole number, got {raw}")
    if isinstance(raw, int):
        if raw.bit_length() > _INT_DIGITS * 3.32:  # 3.32 bits a decimal digit
            raise TweakError(f"{field.name}: the number is too large")
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise TweakError(f"{field.name}: expected a whole number, got {raw}")
    text = _number_text(field, raw, "a whole number")
    # Decimal, not float: "1e30" is exactly 10**30, and "12345678901234567891" stays itself.
    exact = Decimal(text)
    if exact.adjusted() >= _INT_DIGITS:
        raise TweakError(f"{field.name}: {shown(text)!r} is too large a number")
    if exact != exact.to_integral_value():
        raise TweakError(f"{field.name}: expected a whole number, got {shown(text)!r}")
    return int(exact)


def _to_float(field: Field, raw: Any) -> float:
    if isinstance(raw, bool):
        raise TweakError(f"{field.name}: expected a number, got {raw}")
    try:
        if isinstance(raw, (int, float)):
            value = float(raw)
        else:
            value = float(_number_text(field, raw, "a number"))
    except OverflowError:  # an int beyond any float
        raise TweakError(f"{field.name}: expected a finite number; this one is too large") from None
    if not math.isfinite(value):
        raise TweakError(f"{field.name}: expected a finite number")
    return value


def _range_checked(field: Field, value: int | float) -> Any:
    rs = field.range
    # Langflow's int fields often carry range_spec {min: 0, max: 128000} meant for sliders;
    # only enforce bounds that are really set.
    if rs is not None:
        if rs.min is not None and value < rs.min:
            raise TweakError(f"{field.name}: {value} is below the minimum {_num(rs.min)}")
        if rs.max is not None and value > rs.max:
            raise TweakError(f"{field.name}: {value} is above the maximum {_num(rs.max)}")
    return value


def _num(v: float) -> str:
    return str(int(v)) if v.is_integer() else str(v)


def _to_bool(field: Field, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise TweakError(f"{field.name}: expected true or false, got {str(raw)!r}")


def _check_option(field: Field, value: str, *, allow_other: bool) -> None:
    names = field.option_names
    if allow_other or not names or value in names:
        return
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    raise TweakError(f"{field.name}: {value!r} is not one of the options ({shown})")


def _json_value(field: Field, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if not text:
        raise TweakError(f"{field.name}: empty; enter JSON")
    return _loads(field, text, "JSON")


def _loads(field: Field, text: str, what: str) -> Any:
    """``text`` as JSON (no NaN or infinity); a TweakError naming ``what`` when it is not."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TweakError(
            f"{field.name}: invalid {what} at {error_position(exc)}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise TweakError(f"{field.name}: invalid {what}: {exc}") from None


def _coerce_str_list(field: Field, raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            raw = _loads(field, text, "JSON list")
        else:
            raw = text.splitlines() if "\n" in text else ([text] if text else [])
    if not isinstance(raw, list):
        raise TweakError(f"{field.name}: expected a list of text values")
    out: list[str] = []
    for item in raw:
        if isinstance(item, (dict, list)):
            raise TweakError(f"{field.name}: list items must be text")
        s = item if isinstance(item, str) else _plain(item)
        if s != "":
            out.append(s)  # Langflow drops empty strings from list fields too
    return out


def _coerce_model(field: Field, raw: Any) -> Any:
    """A model field's value, offline (the CLI checks it against the server's catalog first
    when connected): `Provider/name` (a provider Langflow has, or one of the field's own
    options names) or a name among the field's options is `[{"name", "provider"}]`; any
    other name is sent bare (the server looks it up); a JSON list of model objects (or one
    object) is sent as given, each naming its provider. Why: lfdesk.core.catalog."""
    if isinstance(raw, str) and raw.strip()[:1] in ("[", "{"):
        raw = _json_value(field, raw)
    if isinstance(raw, Mapping):
        raw = [dict(raw)]
    if isinstance(raw, list):
        for entry in raw:
            if not isinstance(entry, Mapping) or not _model_text(entry.get("name")):
                raise TweakError(
                    f"{field.name}: expected a model name, PROVIDER/MODEL, or a JSON list "
                    '[{"name": ..., "provider": ...}]'
                )
            if not _model_text(entry.get("provider")):
                name = shown(entry["name"])
                raise TweakError(
                    f"{field.name}: the model {name!r} needs its provider: "
                    f'"provider": "OpenAI" in the object, or OpenAI/{name} '
                    "(the server refuses a model object without one)"
                )
        return raw
    if not isinstance(raw, str) or not raw.strip():
        raise TweakError(f"{field.name}: expected a model name")
    name = raw.strip()
    providers = list(KNOWN_PROVIDERS)
    for opt in field.options:
        if isinstance(opt, Mapping) and _model_text(opt.get("provider")):
            if opt.get("name") == name:
                return [{"name": name, "provider": opt["provider"]}]
            providers.append(opt["provider"])
    selection = parse_model_text(name, providers)
    return selection.tweak_value() if selection is not None else name


def _model_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def to_json_value(value: Any) -> Any:
    """The JSON form of a coerced value."""
    if isinstance(value, GlobalVariable):
        return value.to_json()
    return value


def _same(field: Field, value: Any) -> bool:
    """Whether a coerced value equals the flow's own (so it need not be sent)."""
    default = field.value
    if isinstance(value, GlobalVariable):
        return field.load_from_db and default == value.name
    if field.kind is not FieldKind.SECRET and field.load_from_db:
        return False
    if field.kind is FieldKind.SECRET and field.load_from_db:
        return False  # the flow's value is a variable name; a literal always differs
    if isinstance(value, bool) or isinstance(default, bool):
        return type(value) is type(default) and value == default
    if isinstance(value, (int, float)) and isinstance(default, (int, float)):
        return float(value) == float(default)
    if isinstance(value, list) and default in ("", None):
        return value == []
    if value == "" and default is None:
        return True
    return bool(value == default)


class TweakSet:
    """Edits to one flow's field values, keyed by component id.

    `set` validates and coerces; a valid value equal to the flow's own is the same as a reset.
    """

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self._values: dict[str, dict[str, Any]] = {}
        self._invalid: dict[tuple[str, str], Invalid] = {}

    def _field(self, component: str, name: str) -> tuple[Component, Field]:
        try:
            comp = self.flow.component(component)
        except KeyError as exc:
            raise TweakError(str(exc.args[0])) from None
        if not comp.has_field(name):
            known = ", ".join(f.name for f in comp.fields if f.tweakable)
            raise TweakError(
                f"{comp.display_name} ({comp.id}) has no field {name!r}"
                + (f"; tweakable fields: {known}" if known else "")
            )
        return comp, comp.field(name)

    def set(self, component: str, name: str, raw: Any) -> Any:
        """Set a field from a typed or textual value; returns the coerced value.

        A bad value raises TweakError and is kept as Invalid (see `invalid`), replacing any
        earlier good value, so what is shown is what the user typed.
        """
        comp, fld = self._field(component, name)
        key = (comp.id, fld.name)
        try:
            value = coerce(fld, raw)
        except TweakError as exc:
            if fld.tweakable:
                self._invalid[key] = Invalid(raw, str(exc))
                self._values.get(comp.id, {}).pop(fld.name, None)
                self._prune(comp.id)
            raise
        self._invalid.pop(key, None)
        if _same(fld, value):
            self._values.get(comp.id, {}).pop(fld.name, None)
            self._prune(comp.id)
        else:
            self._values.setdefault(comp.id, {})[fld.name] = value
        return value

    def try_set(self, component: str, name: str, raw: Any) -> str | None:
        """Like `set`, but returns the error message instead of raising (None when valid)."""
        try:
            self.set(component, name, raw)
        except TweakError as exc:
            return str(exc)
        return None

    def reset(self, component: str, name: str | None = None) -> None:
        """Back to the flow's value for one field, or for every field of a component."""
        comp = self.flow.component(component)
        if name is None:
            self._values.pop(comp.id, None)
            for key in [k for k in self._invalid if k[0] == comp.id]:
                del self._invalid[key]
            return
        self._values.get(comp.id, {}).pop(name, None)
        self._invalid.pop((comp.id, name), None)
        self._prune(comp.id)

    def clear(self) -> None:
        self._values.clear()
        self._invalid.clear()

    def _prune(self, component_id: str) -> None:
        if component_id in self._values and not self._values[component_id]:
            del self._values[component_id]

    def value(self, component: str, name: str) -> Any:
        """The value a run would use: the tweak if set and valid, else the flow's own."""
        comp, fld = self._field(component, name)
        return self._values.get(comp.id, {}).get(fld.name, fld.value)

    def is_changed(self, component: str, name: str | None = None) -> bool:
        comp = self.flow.component(component)
        if name is None:
            return comp.id in self._values or any(k[0] == comp.id for k in self._invalid)
        return name in self._values.get(comp.id, {}) or (comp.id, name) in self._invalid

    def invalid(self, component: str, name: str) -> Invalid | None:
        comp = self.flow.component(component)
        return self._invalid.get((comp.id, name))

    def errors(self) -> dict[tuple[str, str], str]:
        """Every invalid value's message, keyed by (component id, field name)."""
        return {k: v.message for k, v in self._invalid.items()}

    @property
    def valid(self) -> bool:
        return not self._invalid

    def __len__(self) -> int:
        return sum(len(v) for v in self._values.values())

    def __bool__(self) -> bool:
        return bool(self._values) or bool(self._invalid)

    def items(self) -> Iterator[tuple[str, str, Any]]:
        for cid, fields in self._values.items():
            for name, value in fields.items():
                yield cid, name, value

    def secret_literals(self) -> list[tuple[str, str]]:
        """The (component id, field) of every secret set as a literal value (not as a global
        variable): what must never be written to disk."""
        return [
            (cid, name)
            for cid, name, value in self.items()
            if self.flow.component(cid).field(name).kind is FieldKind.SECRET
            and not isinstance(value, GlobalVariable)
        ]

    def to_json(self) -> dict[str, dict[str, Any]]:
        """The `tweaks` object: only valid values that differ from the flow's own."""
        return {
            cid: {name: to_json_value(v) for name, v in fields.items()}
            for cid, fields in self._values.items()
            if fields
        }

    def copy(self) -> TweakSet:
        other = TweakSet(self.flow)
        other._values = {cid: dict(fields) for cid, fields in self._values.items()}
        other._invalid = dict(self._invalid)
        return other

    def load(self, tweaks: Any, *, strict: bool = True) -> list[str]:
        """Apply a tweaks object (a preset). Returns the problems found.

        With `strict`, the first problem raises TweakError and nothing is changed.
        """
        if not isinstance(tweaks, dict):
            raise TweakError("a tweaks object maps component ids to {field: value} objects")
        problems: list[str] = []
        staged = self.copy()
        for cid, fields in tweaks.items():
            if not isinstance(fields, dict):
                problems.append(
                    f"{cid}: a value for every component ({cid!r}: {fields!r}) is not supported;"
                    " name the component"
                )
                continue
            for name, raw in fields.items():
                try:
                    staged.set(cid, name, raw)
                except TweakError as exc:
                    problems.append(str(exc))
        if problems and strict:
            raise TweakError(problems[0] if len(problems) == 1 else "; ".join(problems))
        self._values, self._invalid = staged._values, staged._invalid
        return problems


MAX_PRESET_SIZE = 16 * 1024 * 1024  # far beyond any real set of tweaks


def load_preset(path: str | Path) -> dict[str, Any]:
    """Read a preset (or ``--tweaks-file``) file: exactly a tweaks object. PresetError, one
    line naming the file, for anything else: unreadable, not UTF-8, not JSON, too large,
    nested deeper than ``jsontext.MAX_DEPTH``."""
    p = Path(path)
    try:
        with p.open("rb") as handle:
            raw = handle.read(MAX_PRESET_SIZE + 1)
    except OSError as exc:
        raise PresetError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_PRESET_SIZE:
        raise PresetError(f"{p}: larger than {MAX_PRESET_SIZE // 2**20} MB")
    try:
        data = jsontext.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PresetError(f"{p}: not UTF-8 text (bad byte at offset {exc.start})") from None
    except ValueError as exc:  # not JSON, or nested too deep
        raise PresetError(f"{p}: {jsontext.describe(exc)}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise PresetError(f"{p}: a preset is a JSON object of {{component id: {{field: value}}}}")
    return data


def save_preset(path: str | Path, tweaks: TweakSet) -> list[str]:
    """Write a preset file (atomically); returns the fields left out.

    Secret literals are never written to disk: a secret tweak goes into the preset only as a
    global-variable reference, and literal ones are left out (and named in the result).
    """
    p = Path(path)
    data: dict[str, dict[str, Any]] = {}
    secret = set(tweaks.secret_literals())
    omitted: list[str] = []
    for cid, name, value in tweaks.items():
        if (cid, name) in secret:
            omitted.append(f"{cid}.{name}")
            continue
        data.setdefault(cid, {})[name] = to_json_value(value)
    try:
        write_text_atomic(p, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise PresetError(f"{p}: cannot write ({exc.strerror or exc})") from exc
    return omitted
