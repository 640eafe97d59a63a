"""python-httpx: a Python program that runs the flow with the `httpx` package.

It prints the answer text only (streamed as it arrives). Lines are split from
`iter_bytes()` by the program itself: httpx's `iter_lines()` also breaks at characters such
as U+2028, which may stand unescaped inside a JSON string.
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator
from lfdesk.core.codegen.common_py import PyHttpLib

LIB = PyHttpLib(
    module="httpx",
    ok_attr="is_success",
    byte_chunks="response.iter_bytes()",
    stream_not_ok="        if not response.is_success:\n            response.read()\n",
    stream_open='    with httpx.stream("POST", URL, json=PAYLOAD, headers=headers, timeout=600) as response:\n',
)

GENERATOR = Generator(
    name="python-httpx", label="Python (httpx)",
    lexer="python", extension=".py", streams=True, render_fn=LIB.render,
)
