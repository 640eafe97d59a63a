"""JavaScript (Node 18+, global fetch): a CommonJS-safe program with an async `main()`.

The same template, with its `«: type»` marks kept, is the plain-fetch TypeScript that the
typescript-client generator falls back to where @datastax/langflow-client cannot go (v2).
Both forms: the full program, and the short one (fetch, the answer, an Error on failure;
streams read line by line with node:readline).
"""

from __future__ import annotations

import functools

from lfdesk.core.codegen import Generator
from lfdesk.core.codegen.cfamily import CFamily, Stream, render
from lfdesk.core.codegen.common import json_text
from lfdesk.core.codegen.common_c import (
    js_changes,
    js_compact,
    js_key,
    js_raw_json,
    js_string,
    js_value,
    keep_types,
    strip_types,
)
from lfdesk.core.codegen.short import dotted

_PROGRAM = """\
@HEADER@

const url = @URL@;
const body = @BODY@;

async function main()«: Promise<number>» {
@KEY@
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: @ACCEPT@,
      @AUTH_NAME@: @AUTH_VALUE@,
    },
    @SEND@,
  });
  if (!response.ok) {
    const raw = await response.text();
    console.error(`HTTP ${response.status}: ${errorDetail(raw, response.statusText)}`);
    return 1;
  }
@HANDLE@
}
@HELPERS@
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err«: unknown») => {
    console.error(`Request failed: ${describe(err)}`);
    process.exitCode = 1;
  },
);
"""

_KEY_ENV = """\
  const apiKey = @ENV@;
  if (!apiKey) {
    console.error(@MISSING@);
    return 2;
  }"""

_KEY_INLINE = """\
  // @WARNING@
  const apiKey = @TOKEN@;"""

_HANDLE_V1 = """\
  const result«: unknown» = await response.json();
  console.log(answerText(result));
  return 0;"""

_HANDLE_V2 = """\
  const raw = await response.text();
  const result«: any» = JSON.parse(raw);
  if (result?.status === "failed") {
    // A failed run still answers HTTP 200.
    console.error(`Run failed: ${runErrors(result, raw)}`);
    return 1;
  }
  console.log(workflowText(result));
  return 0;"""

_HANDLE_STREAM = """\
  const printer = new StreamPrinter();
  const reader = response.body«!».getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { done, value } = await reader.read();
    pending += decoder.decode(value, { stream: !done });
    let newline«: number»;
    while ((newline = pending.indexOf("\\n")) >= 0) {
      const code = printer.line(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (code !== null) {
        await reader.cancel();
        return code;
      }
    }
    if (done) break;
  }
  return printer.line(pending) ?? printer.line("") ?? printer.finish();"""

_ANSWER_TEXT = """
// The answer: each output's message text (Langflow nests it deep in the reply).
function answerText(result«: any»)«: string» {
  const texts«: string[]» = [];
  for (const run of Array.isArray(result?.outputs) ? result.outputs : []) {
    for (const out of Array.isArray(run?.outputs) ? run.outputs : []) {
      const text = [
        out?.results?.message?.text,
        out?.results?.text?.text,
        out?.outputs?.message?.message,
        out?.artifacts?.message,
      ].find((t) => typeof t === "string");
      if (text !== undefined) texts.push(text);
    }
  }
  return texts.join("\\n");
}
"""

_WORKFLOW_TEXT = """
// The answer of a v2 run: output.text, else the text of each output.
function workflowText(result«: any»)«: string» {
  if (typeof result?.output?.text === "string") return result.output.text;
  const outputs = result?.outputs && typeof result.outputs === "object" ? result.outputs : {};
  return Object.values(outputs)
    .map((out«: any») => out?.content)
    .filter((text) => typeof text === "string")
    .join("\\n");
}

function runErrors(result«: any», raw«: string»)«: string» {
  const errors = Array.isArray(result?.errors) ? result.errors : [];
  const texts = errors
    .map((error«: any») => error?.error)
    .filter((text«: unknown») => typeof text === "string");
  return texts.length > 0 ? texts.join("\\n") : raw;
}
"""

_ERROR_DETAIL = """
// The readable part of an error reply: `detail`, or the `message` inside it.
function errorDetail(raw«: string», fallback«: string»)«: string» {
  let detail«: any»;
  try {
    detail = JSON.parse(raw)?.detail;
  } catch {
    return raw.trim() || fallback;
  }
  if (typeof detail === "string") {
    try {
      const inner = JSON.parse(detail); // a failed build sends a JSON string
      if (typeof inner?.message === "string") return inner.message;
    } catch {
      // a plain string
    }
    return detail;
  }
  if (typeof detail?.message === "string") return detail.message;
  return raw.trim() || fallback;
}
"""

_DESCRIBE = """
function describe(err«: unknown»)«: string» {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
  return err.message + cause;
}
"""

_LINE_V1 = """\
  // Langflow's /run stream is not SSE: one JSON event per line, then a blank line.
  line(text«: string»)«: number | null» {
    text = text.replace(/\\r$/, "");
    if (text !== "") {
      this.block.push(text);
      return null;
    }
    return this.dispatch();
  }
"""

_LINE_V2 = """\
  // The v2 stream is SSE: `data: {json}` and `id: N` lines, then a blank line.
  line(text«: string»)«: number | null» {
    text = text.replace(/\\r$/, "");
    if (text !== "") {
      if (text.startsWith("data:")) this.block.push(text.slice(5).replace(/^ /, ""));
      return null;
    }
    return this.dispatch();
  }
"""

_DISPATCH = """
  dispatch()«: number | null» {
    if (this.block.length === 0) return null;
    const raw = this.block.join("\\n");
    this.block = [];
    let event«: any»;
    try {
      event = JSON.parse(raw);
    } catch {
      return null; // not a JSON event: skip it
    }
    return this.handle(event, raw);
  }
"""

_PRINTER = """
// Prints streamed text once: tokens as they come, then whatever a final message adds.
class StreamPrinter {
@FIELDS@  printed = new Map«<string, string>»(); // message id -> text printed so far
  lastId«: string | null» = null; // the message printed last; null while nothing is printed
  ended = false;

@LINE@
  write(id«: string», text«: string»)«: void» {
    if (!text) return;
    if (this.lastId !== null && this.lastId !== id) process.stdout.write("\\n");
    process.stdout.write(text);
    this.lastId = id;
    this.printed.set(id, (this.printed.get(id) ?? "") + text);
  }

  handle(event«: any», raw«: string»)«: number | null» {
    const data = event?.data ?? {};
    const id = typeof data.id === "string" ? data.id : "";
    switch (event?.event) {
      case "token":
        if (typeof data.chunk === "string") this.write(id, data.chunk);
        break;
      case "add_message": {
        // A partial message comes first, then tokens, then the complete message with the
        // same id: print only what the tokens have not printed yet.
        const complete = data.properties?.state !== "partial";
        if (data.sender !== "User" && complete && typeof data.text === "string") {
          const seen = this.printed.get(id) ?? "";
          if (data.text.startsWith(seen)) this.write(id, data.text.slice(seen.length));
        }
        break;
      }
@OUTPUT_CASE@      case "end":
        this.ended = true;
        if (this.lastId === null) this.write("", @END_TEXT@);
        break;
      case "error":
        if (this.lastId !== null) process.stdout.write("\\n");
        console.error(`Flow error: ${eventError(data, raw)}`);
        return 1;
    }
    return null;
  }

  finish()«: number» {
    process.stdout.write("\\n");
    if (!this.ended) {
      console.error("The stream ended before the run finished.");
      return 1;
    }
    return 0;
  }
}

function eventError(data«: any», raw«: string»)«: string» {
  if (typeof data?.error === "string") return data.error;
  if (typeof data?.text === "string" && data.text) return data.text;
  return raw;
}
"""

_OUTPUT_CASE = """\
      case "output":
        if (typeof data.content === "string") this.outputs.push(data.content);
        break;
"""


_BLOCK_FIELD = "  block«: string[]» = []; // lines of the event being read\n"
_OUTPUTS_FIELD = "  outputs«: string[]» = []; // `output` events, for a run that sent no text\n"


# --- the short form ------------------------------------------------------------------------

_SHORT_PROGRAM = """\
@HEADER@
@IMPORTS@const url = @URL@;
const body = @BODY@;
const headers = { "Content-Type": "application/json", @AUTH_NAME@: @AUTH_VALUE@ };
async function main() {
  const response = await fetch(url, { method: "POST", headers, @SEND@ });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
@HANDLE@
}
main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
"""

_SHORT_V1 = """\
  const result«: any» = await response.json();
  console.log(result@PATH@);"""

_SHORT_V2 = """\
  const result«: any» = await response.json();
  if (result.status === "failed") throw new Error(`The run failed: ${JSON.stringify(result.errors)}`);
  console.log(result@PATH@);"""

# What a short stream does with each event (the typescript-client snippet too): the tokens as
# they come, an error thrown, and at the end (@END_TEXT@) a line end; no end event is an error.
SHORT_EVENTS = """\
    if (event === "error") throw new Error(`Flow error: ${data.error ?? data.text}`);
    if (event === "token") process.stdout.write(data.chunk);
    if (event === "token") printed += data.chunk;
@OUTPUT_CASE@@END_TEXT@  }
  throw new Error(@NO_ANSWER@);"""

# A v1 stream of a model that does not stream has no tokens: the answer is in the result.
SHORT_END_V1 = """\
    if (event !== "end") continue;
    if (!printed) process.stdout.write(data.result@PATH@); // a model that does not stream
    return console.log();
"""
_SHORT_END_V2 = '    if (event === "end") return console.log();\n'

_SHORT_STREAM = """\
  let printed = "";
  for await (const line of readline.createInterface({ input: Readable.fromWeb(response.body«!») })) {
    const { event, data } = @LINE@;
""" + SHORT_EVENTS

_IMPORTS = (
    'const readline = require("node:readline");\nconst { Readable } = require("node:stream");\n\n',
    'import * as readline from "node:readline";\nimport { Readable } from "node:stream";\n\n',
)


def _short_table(types: bool, needs: str) -> CFamily:
    """The short JavaScript table, or (with `types`) the TypeScript one."""
    typed = keep_types if types else strip_types
    imports = _IMPORTS[types]
    return CFamily(
        string=js_string,
        body=js_compact,
        needs=(needs,),
        program=typed(_SHORT_PROGRAM),
        key_env=typed("@ENV@«!»"),
        key_inline="@TOKEN@",
        handle_v1=typed(_SHORT_V1),
        handle_v2=typed(_SHORT_V2),
        handle_stream=typed(_SHORT_STREAM),
        answer_text="",
        workflow_text="",
        printer="",
        stream_v1=Stream(
            line="line.trim() ? JSON.parse(line) : {}",
            end_text=SHORT_END_V1,
        ),
        stream_v2=Stream(
            line='line.startsWith("data:") ? JSON.parse(line.slice(5)) : {}',
            end_text=_SHORT_END_V2,
            output_case='    if (event === "output" && !printed) process.stdout.write(data.content); // no tokens\n',
        ),
        env=_env,
        auth_name=js_key,
        imports=lambda request, options: imports if request.stream else "",
        changes=_changes,
        body_text=functools.partial(js_raw_json, dump=json_text),
        send="body: JSON.stringify(body)",
        send_text="body",
        short=True,
        path=dotted,
    )


def _env(name: str) -> str:
    return f"process.env.{name}" if js_key(name) == name else f"process.env[{js_string(name)}]"


def _changes(body: object) -> str | None:
    why = js_changes(body)
    return None if why is None else f"in a JavaScript object, {why}"


def _table(types: bool, needs: str, after_header: str = "") -> CFamily:
    """The JavaScript table, or (with `types`) the TypeScript one: the same templates with
    their `«: type»` marks dropped or kept. Done before any value is filled in, so user
    text with such marks is never touched."""
    typed = keep_types if types else strip_types
    return CFamily(
        string=js_string,
        body=js_value,
        needs=(needs,),
        program=typed(_PROGRAM),
        key_env=_KEY_ENV,
        key_inline=_KEY_INLINE,
        handle_v1=typed(_HANDLE_V1),
        handle_v2=typed(_HANDLE_V2),
        handle_stream=typed(_HANDLE_STREAM),
        answer_text=typed(_ANSWER_TEXT),
        workflow_text=typed(_WORKFLOW_TEXT),
        printer=typed(_PRINTER),
        stream_v1=Stream(
            line=typed(_LINE_V1 + _DISPATCH),
            end_text="answerText(data.result)",
            fields=typed(_BLOCK_FIELD),
        ),
        stream_v2=Stream(
            line=typed(_LINE_V2 + _DISPATCH),
            end_text='this.outputs.join("\\n")',
            fields=typed(_BLOCK_FIELD + _OUTPUTS_FIELD),
            output_case=_OUTPUT_CASE,
        ),
        helpers_last=typed(_ERROR_DETAIL + _DESCRIBE),
        env=_env,
        auth_name=js_key,
        after_header=after_header,
        # A JavaScript number is a double: a body with a number it would write another way
        # (an integer beyond 2^53, -0.0, 1.0) is sent as the JSON text itself.
        changes=_changes,
        body_text=js_raw_json,
        send="body: JSON.stringify(body)",
        send_text="body",
    )


JAVASCRIPT = _table(False, "Needs Node.js 18 or later. Run: node <this file>.js", '\n\n"use strict";')

# The typescript-client generator's plain-fetch fallback, where @datastax/langflow-client
# cannot send the request (its programs share the answer and error helpers, too).
TYPESCRIPT = _table(True, "Needs Node.js 18 or later. Run: npx tsx <this file>.ts")

JAVASCRIPT_SHORT = _short_table(False, "Node.js 18+: node <this file>.js")
TYPESCRIPT_SHORT = _short_table(True, "Node.js 18+: npx tsx <this file>.ts")

GENERATOR = Generator(
    name="javascript", label="JavaScript (Node fetch)",
    lexer="javascript", extension=".js", streams=True,
    render_fn=functools.partial(render, JAVASCRIPT),
    short_fn=functools.partial(render, JAVASCRIPT_SHORT),
)
