"""python-requests: a Python program that runs the flow with the `requests` package.

It prints the answer text only (streamed as it arrives with `stream=True` and
`iter_content(chunk_size=None)`, which hands over each chunk as the server sends it).
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator
from lfdesk.core.codegen.common_py import PyHttpLib

LIB = PyHttpLib(
    module="requests",
    ok_attr="ok",
    byte_chunks="response.iter_content(chunk_size=None)",
    stream_not_ok="        if not response.ok:\n",
    stream_open=(
        "    with requests.post(\n"
        "        URL, json=PAYLOAD, headers=headers, stream=True, timeout=600\n"
        "    ) as response:\n"
    ),
)

GENERATOR = Generator(
    name="python-requests", label="Python (requests)",
    lexer="python", extension=".py", streams=True, render_fn=LIB.render,
)
