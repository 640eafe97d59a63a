"""What every generator shares: the one template mechanism (`fill`), facts about the request
in words, the JSON body as text, and the opening comment of the `#`-comment languages.

By concern, the rest lives beside it: `common_sh` (bash and jq, for curl and httpie),
`common_py` (the Python snippets), `common_c` (string literals of the C-family languages)
and `cfamily` (the one renderer of JavaScript, TypeScript, Go, Java and C#).

Every snippet follows the same rules:

* v1 non-stream: each `outputs[i].outputs[j]`'s text, joined by newlines;
  v2 sync: `output.text` (or each output's `content`), a failed run goes to stderr.
* streams: `token` chunks are printed as they come; a finished `add_message` (not from the
  user, not `partial`) prints only the part of its text its tokens did not already print;
  on `end` with nothing printed, the answer from the result (v1) or the `output` events
  (v2); an `error` event goes to stderr with a non-zero exit.
* HTTP errors: `HTTP <status>: <detail>` on stderr, non-zero exit.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lfdesk.core.codegen import RenderOptions, key_env_problem
from lfdesk.core.request import RunRequest

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


# --- templates ------------------------------------------------------------------------------


def fill(template: str, values: Mapping[str, str]) -> str:
    """The one template mechanism of the generators: each `@NAME@` in `template` becomes
    `values["NAME"]`, in one pass (so a value that itself holds `@X@` is left alone, and
    braces, `$` and `%` in the code around need no escaping)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


# --- facts about the request, in words ---------------------------------------------------


def key_env(options: RenderOptions) -> str:
    """The environment variable the token is read from; it must be usable in every language
    (`$NAME` in a shell, `$env:NAME` in PowerShell)."""
    name = options.key_env
    problem = key_env_problem(name)
    if problem is not None:
        raise ValueError(problem)
    return name


def one_line(text: str) -> str:
    """`text` made safe for a one-line comment: control characters and newlines become a
    space."""
    return _CONTROL.sub(" ", text).strip()


def flow_title(request: RunRequest) -> str:
    """How a snippet's comment names the flow."""
    name = request.flow_name or request.flow_ref or request.flow_id or "flow"
    return f'the Langflow flow "{one_line(name)}"'


def secret_warning(comment: str) -> str:
    """The line every snippet with an inlined token starts with."""
    return (
        f"{comment} WARNING: this file contains a secret API key. Do not share it or commit it."
    )


def hash_header(request: RunRequest, options: RenderOptions, notes: Sequence[str]) -> list[str]:
    """The opening comment of a bash, Python or PowerShell snippet (after any `#!` line):
    the warning when the token is inlined, what it runs, `notes`, where the key comes from."""
    lines = [secret_warning("#")] if options.inline_token else []
    what = "prints its answer as it streams in" if request.stream else "prints its answer"
    lines.append(f"# Runs {flow_title(request)} and {what}.")
    lines += [f"# {note}" for note in notes]
    if not options.inline_token:
        lines.append(f"# Reads the API key from the {key_env(options)} environment variable.")
    return lines


# --- the body as JSON text -----------------------------------------------------------------


def layout(
    value: Any,
    flat: Callable[[Any], str],
    key: Callable[[str], str],
    *,
    unit: str,
    trailing: bool,
    level: int = 0,
    width: int = 88,
) -> str:
    """A JSON value as source text laid out for reading, in any language whose containers
    look like JSON's: a nested container stays on one line (`flat`) when it fits, the top
    level is always spread out, `unit` per level, with a comma after the last item when
    `trailing`. `key` writes an object's key."""
    text = flat(value)
    if not isinstance(value, dict | list | tuple) or not value:
        return text
    if level and len(text) + len(unit) * level + 24 <= width:
        return text
    pad = unit * (level + 1)

    def inner(item: Any) -> str:
        return layout(item, flat, key, unit=unit, trailing=trailing, level=level + 1, width=width)

    if isinstance(value, dict):
        items = [f"{pad}{key(str(k))}: {inner(v)}" for k, v in value.items()]
        brackets = "{}"
    else:
        items = [pad + inner(v) for v in value]
        brackets = "[]"
    last = "," if trailing else ""
    return f"{brackets[0]}\n" + ",\n".join(items) + f"{last}\n{unit * level}{brackets[1]}"


def json_text(value: Any, *, ascii_only: bool = False) -> str:
    """JSON indented for reading (two spaces a level, nested containers on one line when
    they fit)."""
    dump = functools.partial(json.dumps, ensure_ascii=ascii_only)
    return layout(value, dump, dump, unit="  ", trailing=False)


def body_json(request: RunRequest, *, ascii_only: bool = False) -> str:
    """The JSON body, indented for reading. Non-ASCII stays readable unless `ascii_only`
    (or unless the text could not be saved as UTF-8, e.g. a lone surrogate)."""
    body = request.body()
    text = json_text(body, ascii_only=ascii_only)
    if not ascii_only and not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json_text(body, ascii_only=True)
    return text
