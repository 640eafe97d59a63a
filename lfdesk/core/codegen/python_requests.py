"""python-requests: a Python program that runs the flow with the `requests` package.

It prints the answer text only (streamed as it arrives with `stream=True` and
`iter_content(chunk_size=None)`, which hands over each chunk as the server sends it).
The short form reads the stream with `iter_lines()` (bytes, so no character but a line end
splits a line).
"""

from __future__ import annotations

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
    stream_call="requests.@VERB@(@ARGS@, stream=True, timeout=600)",
    data_prefix='b"data:"',
)

GENERATOR = LIB.generator("python-requests", "Python (requests)")
