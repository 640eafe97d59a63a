"""Request code generators: one small module per target, in a registry by name.

Every generator turns a RunRequest into a complete program that runs as saved with the plain
tool, prints the answer text (streamed as it arrives when `request.stream` is set), reads the
token from an environment variable unless inlining is asked for, and exits non-zero with a
readable message on failure.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from lfdesk.core.request import DEFAULT_KEY_ENV, RunRequest, shown

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def key_env_problem(name: str) -> str | None:
    """Why `name` cannot be the environment variable a snippet reads its token from (it must
    work as `$NAME` in a shell and `$env:NAME` in PowerShell), or None when it can."""
    if _VARIABLE_NAME.match(name):
        return None
    return (
        f"{shown(name)!r} is not a usable environment variable name "
        "(letters, digits and _, not starting with a digit)"
    )


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """How a snippet gets its token (from `key_env`, or written in when `inline_token` is
    set), and which form: the short one to paste into a project (the default), or the full
    program (`full`). A short form sends `session_id` only with `keep_session` (the user set
    one): a fixed id shared by every caller of pasted code would be a surprise."""

    key_env: str = DEFAULT_KEY_ENV
    inline_token: str | None = None
    full: bool = False
    keep_session: bool = False


@dataclass(frozen=True, slots=True)
class Generator:
    """A code target: its name (as `lfdesk langs` prints it) and its renderer."""

    name: str
    label: str  # shown in the GUI's language picker
    lexer: str  # Pygments lexer alias for highlighting
    extension: str  # file name suffix when saved, e.g. ".py"
    streams: bool  # whether it has a streaming variant
    render_fn: Callable[[RunRequest, RenderOptions], str]  # the full program
    filename: str | None = None  # a fixed file name when the tool needs one (Java, C#)
    short_fn: Callable[[RunRequest, RenderOptions], str] | None = None  # the short form

    @property
    def has_short(self) -> bool:
        """Whether the target has a short form (a command-line program is full by nature)."""
        return self.short_fn is not None

    def render(self, request: RunRequest, options: RenderOptions | None = None) -> str:
        """The program; ValueError for an unusable `key_env`, RequestError for a request
        that could not be sent exactly as set (no snippet is better than a wrong one)."""
        options = options or RenderOptions()
        problem = key_env_problem(options.key_env)
        if problem is not None:
            raise ValueError(problem)
        request.check()
        if options.full or self.short_fn is None:
            return self.render_fn(request, options)
        if not options.keep_session:
            request = request.with_(session_id=None)
        return self.short_fn(request, options)


# name -> module under lfdesk.core.codegen; each module defines GENERATOR.
_MODULES: dict[str, str] = {
    "curl": "curl",
    "powershell": "powershell",
    "httpie": "httpie",
    "python-requests": "python_requests",
    "python-httpx": "python_httpx",
    "python-script": "python_script",
    "python-local": "python_local",
    "javascript": "javascript",
    "typescript-client": "typescript_client",
    "go": "golang",
    "java": "java",
    "csharp": "csharp",
}

_CACHE: dict[str, Generator] = {}


def names() -> list[str]:
    """Every generator name, in a stable order."""
    return list(_MODULES)


def get(name: str) -> Generator:
    """The generator called `name`; KeyError with the known names otherwise."""
    gen = _CACHE.get(name)
    if gen is not None:
        return gen
    module = _MODULES.get(name)
    if module is None:
        raise KeyError(f"unknown language {name!r}; known: {', '.join(_MODULES)}")
    gen = importlib.import_module(f"{__name__}.{module}").GENERATOR
    if not isinstance(gen, Generator):
        raise TypeError(f"{module}.GENERATOR is not a Generator")
    _CACHE[name] = gen
    return gen


def render(name: str, request: RunRequest, options: RenderOptions | None = None) -> str:
    return get(name).render(request, options)
