"""python-httpx: a Python program that runs the flow with the `httpx` package.

It prints the answer text only (streamed as it arrives). Lines are split from
`iter_bytes()` by the program itself: httpx's `iter_lines()` also breaks at characters such
as U+2028, which may stand unescaped inside a JSON string.
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
            '    with httpx.stream("POST", URL, json=PAYLOAD, headers=headers, timeout=600) as response:\n',
            "        if not response.is_success:\n",
            "            response.read()\n",
            "    " + _FAIL,
            "        printer = AnswerPrinter()\n",
            "        for event in stream_events(lines(response.iter_bytes())):\n",
            "            printer.handle(event)\n",
            "        printer.finish()\n",
        ]
    else:
        main += [
            "    response = httpx.post(URL, json=PAYLOAD, headers=headers, timeout=600)\n",
            "    if not response.is_success:\n",
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
        needs="the httpx package (pip install httpx)",
        imports="\nimport httpx\n",
        constants=f"URL = {py_str(request.url)}\nPAYLOAD = {py_literal(request.body())}\n",
        helpers=py_helpers(request, stream=stream),
        main="".join(main),
    )


GENERATOR = Generator(
    name="python-httpx",
    label="Python (httpx)",
    lexer="python",
    extension=".py",
    streams=True,
    render_fn=render,
)
