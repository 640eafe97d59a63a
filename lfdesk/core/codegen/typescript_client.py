"""TypeScript with @datastax/langflow-client (npm 0.4.x), run with `npx tsx`.

The client covers the v1 run API (`flow.run`, `flow.stream`). Where it cannot send the
request as asked (the v2 workflows API, `output_component`, no input value, a DataStax host
other than its default), the snippet is plain-fetch TypeScript instead, and says why. The
same holds for the short form (`render_short`).
"""

from __future__ import annotations

from dataclasses import replace

from lfdesk.core.codegen import Generator, RenderOptions, cfamily
from lfdesk.core.codegen.common import fill
from lfdesk.core.codegen.common_c import js_changes, js_compact, js_string, js_value
from lfdesk.core.codegen.javascript import (
    JAVASCRIPT_SHORT,
    SHORT_END_V1,
    SHORT_EVENTS,
    TYPESCRIPT,
    TYPESCRIPT_SHORT,
)
from lfdesk.core.codegen.short import NO_ANSWER, answer_keys, dotted
from lfdesk.core.request import DATASTAX_BASE_URL, RunRequest

# The client hands over whole events: the printer has no framing of its own.
_EVENTS = replace(TYPESCRIPT.stream_v1, line="", fields="")

_INPUT_TYPES = ("chat", "text", "any")
_OUTPUT_TYPES = ("chat", "text", "any", "debug")

_PROGRAM = """\
@HEADER@

import { LangflowClient } from "@datastax/langflow-client";
import { LangflowError } from "@datastax/langflow-client/errors";
@IMPORT_TWEAKS@
const flowId = @FLOW_ID@;
const input = @INPUT@;
@TWEAKS@
async function main(): Promise<number> {
@KEY@
  const client = new LangflowClient(@CLIENT_OPTIONS@);
  const flow = client.flow(flowId);
  try {
@CALL@
  } catch (err) {
    if (err instanceof LangflowError) {
      const raw = await err.cause.text();
      console.error(`HTTP ${err.cause.status}: ${errorDetail(raw, err.cause.statusText)}`);
      return 1;
    }
    throw err;
  }
}
@HELPERS@
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`Request failed: ${describe(err)}`);
    process.exitCode = 1;
  },
);
"""

_TWEAKS = """\
// The client types a tweak as a flat record of scalars; Langflow also takes objects and lists.
const tweaks = @VALUE@ as unknown as Tweaks;
"""

_CALL_RUN = """\
    const response = await flow.run(input, @OPTIONS@);
    console.log(answerText(response) || (response.chatOutputText() ?? ""));
    return 0;"""

_CALL_STREAM = """\
    // The client reads the NDJSON stream and hands over each event as it arrives.
    const events = await flow.stream(input, @OPTIONS@);
    const reader = events.getReader();
    const printer = new StreamPrinter();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const code = printer.handle(value, JSON.stringify(value));
      if (code !== null) {
        await reader.cancel();
        return code;
      }
    }
    return printer.finish();"""


_SHORT_PROGRAM = """\
@HEADER@
import { LangflowClient } from "@datastax/langflow-client";
import { LangflowError } from "@datastax/langflow-client/errors";
@IMPORT_TWEAKS@
const client = new LangflowClient(@CLIENT_OPTIONS@);
@TWEAKS@
async function main() {
@CALL@
}
main().catch(async (err) => {
  // A LangflowError holds the server's reply: its detail says what went wrong.
  console.error(err.message, err instanceof LangflowError ? await err.cause.text() : "");
  process.exitCode = 1;
});
"""

_SHORT_RUN = """\
  const response = await client.flow(@FLOW_ID@).run(@INPUT@@OPTIONS@);
  console.log(@ANSWER@);"""

_SHORT_STREAM = """\
  const events = await client.flow(@FLOW_ID@).stream(@INPUT@@OPTIONS@);
  // The client reads the stream and hands over each event as it arrives.
  let printed = "";
  for await (const { event, data } of events as AsyncIterable<any>) {
""" + SHORT_EVENTS.replace("@OUTPUT_CASE@", "").replace("@END_TEXT@", SHORT_END_V1)


def _scalars_only(tweaks: dict[str, dict[str, object]]) -> bool:
    """Whether the client's Tweaks type (a flat record of scalars) takes these tweaks."""
    return all(
        isinstance(fields, dict) and not any(isinstance(v, dict | list) for v in fields.values())
        for fields in tweaks.values()
    )


def render_short(request: RunRequest, options: RenderOptions) -> str:
    """The short form: the client's run (or stream) call and the answer."""
    reason = _unsupported(request)
    if reason is not None:
        note = [f"{reason}, so this is plain fetch."]
        return cfamily.render(TYPESCRIPT_SHORT, request, options, note)
    conn = request.connection
    key = cfamily.key_source(JAVASCRIPT_SHORT, options)  # the client takes no key as well
    if conn.kind == "datastax":
        client_options = f"{{ langflowId: {js_string(conn.datastax_id or '')}, apiKey: {key} }}"
    else:
        client_options = f"{{ baseUrl: {js_string(conn.base_url)}, apiKey: {key} }}"
    tweaks = request.effective_tweaks()
    opts = ["tweaks"] if tweaks else []
    opts += [
        f"{name}: {js_string(value)}"
        for name, value in (("input_type", request.input_type), ("output_type", request.output_type))
        if value != "chat"
    ]
    if request.session_id:
        opts.append(f"session_id: {js_string(request.session_id)}")
    cast = not _scalars_only(tweaks)
    header = cfamily.header(
        request,
        options,
        ["Setup: npm install @datastax/langflow-client tsx. Run: npx tsx <this file>.ts"],
        via=" with @datastax/langflow-client",
        short=True,
    )
    call = _SHORT_STREAM if request.stream else _SHORT_RUN
    path = dotted(answer_keys(request))
    return fill(
        _SHORT_PROGRAM,
        {
            "HEADER": "\n".join(header),
            "IMPORT_TWEAKS": 'import type { Tweaks } from "@datastax/langflow-client/flow";\n'
            if cast
            else "",
            "CLIENT_OPTIONS": client_options,
            "TWEAKS": f"const tweaks = {js_compact(tweaks)}{' as unknown as Tweaks' if cast else ''};\n"
            if tweaks
            else "",
            "CALL": fill(
                call,
                {
                    # The client puts the id into the URL as it is: give it the URL-escaped form.
                    "FLOW_ID": js_string(request.path.removeprefix("/v1/run/")),
                    "INPUT": js_string(request.input_value or ""),
                    "OPTIONS": f", {{ {', '.join(opts)} }}" if opts else "",
                    # Where every target's short form reads it (chatOutputText() reads
                    # outputs.message.message, which a Text Output does not have).
                    "ANSWER": f"response{path}",
                    "PATH": path,
                    "NO_ANSWER": js_string(NO_ANSWER),
                },
            ),
        },
    )


def _unsupported(request: RunRequest) -> str | None:
    """Why @datastax/langflow-client cannot send this request, or None when it can."""
    if request.api == "v2":
        return "@datastax/langflow-client has no support for the v2 workflows API"
    if request.output_component:
        return "@datastax/langflow-client has no output_component option"
    if request.input_value is None:
        return "@datastax/langflow-client always sends an input value"
    if request.input_type not in _INPUT_TYPES or request.output_type not in _OUTPUT_TYPES:
        return "@datastax/langflow-client does not take this input or output type"
    conn = request.connection
    if conn.kind == "datastax" and conn.base_url != DATASTAX_BASE_URL:
        return "@datastax/langflow-client only knows the default DataStax host"
    if js_changes(request.body()) is not None:  # the next header line says what changes
        return "@datastax/langflow-client would send this body as a JavaScript object"
    return None


def render(request: RunRequest, options: RenderOptions) -> str:
    reason = _unsupported(request)
    if reason is not None:
        return cfamily.render(TYPESCRIPT, request, options, [f"{reason}, so this is plain fetch."])
    conn = request.connection
    if conn.kind == "datastax":
        client_options = f"{{ langflowId: {js_string(conn.datastax_id or '')}, apiKey }}"
    else:
        client_options = f"{{ baseUrl: {js_string(conn.base_url)}, apiKey }}"
    tweaks = request.effective_tweaks()
    opts: list[str] = [
        f"input_type: {js_string(request.input_type)}",
        f"output_type: {js_string(request.output_type)}",
    ]
    if tweaks:
        opts.append("tweaks")
    if request.session_id:
        opts.append(f"session_id: {js_string(request.session_id)}")
    one_line = "{ " + ", ".join(opts) + " }"
    if len(one_line) <= 50:
        call_options = one_line
    else:
        call_options = "{\n" + "".join(f"      {o},\n" for o in opts) + "    }"
    if request.stream:
        call, helpers = _CALL_STREAM, cfamily.printer(TYPESCRIPT, _EVENTS)
    else:
        call, helpers = _CALL_RUN, ""
    helpers += TYPESCRIPT.answer_text + TYPESCRIPT.helpers_last
    # The client puts the id into the URL as it is: give it the URL-escaped form.
    flow_path_ref = request.path.removeprefix("/v1/run/")
    header = cfamily.header(
        request,
        options,
        ["Setup: npm install @datastax/langflow-client tsx. Run: npx tsx <this file>.ts"],
        via=" with @datastax/langflow-client",
    )
    return fill(
        _PROGRAM,
        {
            "HEADER": "\n".join(header),
            "IMPORT_TWEAKS": 'import type { Tweaks } from "@datastax/langflow-client/flow";\n'
            if tweaks
            else "",
            "FLOW_ID": js_string(flow_path_ref),
            "INPUT": js_string(request.input_value or ""),
            "TWEAKS": fill(_TWEAKS, {"VALUE": js_value(tweaks)}) if tweaks else "",
            "KEY": cfamily.key_source(TYPESCRIPT, options),
            "CLIENT_OPTIONS": client_options,
            "CALL": fill(call, {"OPTIONS": call_options}),
            "HELPERS": helpers,
        },
    )


GENERATOR = Generator(
    name="typescript-client", label="TypeScript (@datastax/langflow-client)",
    lexer="typescript", extension=".ts", streams=True, render_fn=render, short_fn=render_short,
)
