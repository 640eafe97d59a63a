"""python-httpx: a Python program that runs the flow with the `httpx` package.

It prints the answer text only (streamed as it arrives). Lines are split from
`iter_bytes()` by the program itself: httpx's `iter_lines()` also breaks at characters such
as U+2028, which may stand unescaped inside a JSON string. The short form uses `iter_lines()`
all the same: Langflow writes its events as ASCII JSON (json.dumps), where no such character
stands unescaped.
"""

from __future__ import annotations

from lfdesk.core.codegen.common_py import PyHttpLib

LIB = PyHttpLib(
    module="httpx",
    ok_attr="is_success",
    byte_chunks="response.iter_bytes()",
    stream_not_ok="        if not response.is_success:\n            response.read()\n",
    stream_open='    with httpx.stream("POST", URL, json=PAYLOAD, headers=headers, timeout=600) as response:\n',
    stream_call='httpx.stream("@METHOD@", @ARGS@, timeout=600)',
    data_prefix='"data:"',
)

GENERATOR = LIB.generator("python-httpx", "Python (httpx)")
