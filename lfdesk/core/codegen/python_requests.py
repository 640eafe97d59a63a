"""python-requests: a Python program that runs the flow with the `requests` package.

It prints the answer text only (streamed as it arrives with `stream=True` and
`iter_content(chunk_size=None)`, which hands over each chunk as the server sends it).
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common import (
    py_api_key,
    py_headers,
    py_helpers,
    py_literal,
    py_program,
    py_str,
)
from lfdesk.core.request import RunRequest

_FAIL = '        sys.exit(f"HTTP {response.status_code}: {error_detail(response.content)}")\n'


def render(request: RunRequest, options: RenderOptions) -> str:
    stream = request.stream
    main = [py_api_key(request, options), py_headers(request)]
    if stream:
        main += [
            "    with requests.post(\n",
            "        URL, json=PAYLOAD, headers=headers, stream=True, timeout=600\n",
            "    ) as response:\n",
            "        if not response.ok:\n",
            "    " + _FAIL,
            "        printer = AnswerPrinter()\n",
            "        for event in stream_events(lines(response.iter_content(chunk_size=None))):\n",
            "            printer.handle(event)\n",
            "        printer.finish()\n",
        ]
    else:
        main += [
            "    response = requests.post(URL, json=PAYLOAD, headers=headers, timeout=600)\n",
            "    if not response.ok:\n",
            _FAIL,
        ]
        if request.api == "v1":
            main.append("    print(answer_text(response.json()))\n")
        else:
            main += [
                "    reply = response.json()\n",
                "    fail_if_run_failed(reply)\n",
                "    print(workflow_text(reply))\n",
            ]
    return py_program(
        request,
        options,
        needs="the requests package (pip install requests)",
        imports="\nimport requests\n",
        constants=f"URL = {py_str(request.url)}\nPAYLOAD = {py_literal(request.body())}\n",
        helpers=py_helpers(request, stream=stream),
        main="".join(main),
    )


GENERATOR = Generator(
    name="python-requests",
    label="Python (requests)",
    lexer="python",
    extension=".py",
    streams=True,
    render_fn=render,
)
