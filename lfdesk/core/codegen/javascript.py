"""JavaScript (Node 18+, global fetch): a CommonJS-safe program with an async `main()`.

The same template, with its `«: type»` marks kept, is the plain-fetch TypeScript that the
typescript-client generator falls back to where @datastax/langflow-client cannot go (v2).
"""

from __future__ import annotations

import functools

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common import fill
from lfdesk.core.codegen.common_c import (
    SECRET_WARNING,
    about,
    comment_text,
    js_key,
    js_string,
    js_value,
    keep_types,
    strip_types,
)
from lfdesk.core.request import RunRequest

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
    body: JSON.stringify(body),
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

KEY_FROM_ENV = """\
  const apiKey = @ENV_READ@;
  if (!apiKey) {
    console.error(@MISSING@);
    return 2;
  }"""

KEY_INLINE = """\
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

ANSWER_TEXT = """
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

ERROR_DETAIL = """
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

DESCRIBE = """
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


@functools.cache
def typed(template: str, types: bool) -> str:
    """A template with its `«: type»` marks kept (TypeScript) or dropped (JavaScript). Done
    before any value is filled in, so user text with such marks is never touched."""
    return keep_types(template) if types else strip_types(template)


def stream_printer(api: str, framing: bool, types: bool) -> str:
    """The StreamPrinter class for v1 or v2 events; with `framing`, it also cuts the raw
    text into events."""
    v2 = api == "v2"
    fields = ""
    if framing:
        fields += "  block«: string[]» = []; // lines of the event being read\n"
    if v2:
        fields += "  outputs«: string[]» = []; // `output` events, for a run that sent no text\n"
    line = (_LINE_V2 if v2 else _LINE_V1) + _DISPATCH if framing else ""
    return fill(
        typed(_PRINTER, types),
        {
            "FIELDS": typed(fields, types),
            "LINE": typed(line, types),
            "OUTPUT_CASE": _OUTPUT_CASE if v2 else "",
            "END_TEXT": 'this.outputs.join("\\n")' if v2 else "answerText(data.result)",
        },
    )


def key_block(options: RenderOptions) -> str:
    if options.inline_token is not None:
        return fill(KEY_INLINE, {"WARNING": SECRET_WARNING, "TOKEN": js_string(options.inline_token)})
    env = options.key_env
    read = f"process.env.{env}" if js_key(env) == env else f"process.env[{js_string(env)}]"
    missing = js_string(f"Set the {env} environment variable to your Langflow API key.")
    return fill(KEY_FROM_ENV, {"ENV_READ": read, "MISSING": missing})


def fetch_program(
    request: RunRequest, options: RenderOptions, header: list[str], types: bool
) -> str:
    """The plain-fetch program, JavaScript or (with `types`) TypeScript."""
    if request.stream:
        handle = typed(_HANDLE_STREAM, types)
        helpers = stream_printer(request.api, framing=True, types=types)
        if request.api == "v1":
            helpers += typed(ANSWER_TEXT, types)
    elif request.api == "v2":
        handle, helpers = typed(_HANDLE_V2, types), typed(_WORKFLOW_TEXT, types)
    else:
        handle, helpers = typed(_HANDLE_V1, types), typed(ANSWER_TEXT, types)
    helpers += typed(ERROR_DETAIL, types) + typed(DESCRIBE, types)
    conn = request.connection
    auth_value = f"{js_string(conn.auth_prefix)} + apiKey" if conn.auth_prefix else "apiKey"
    return fill(
        typed(_PROGRAM, types),
        {
            "HEADER": "\n".join(header),
            "URL": js_string(request.url),
            "BODY": js_value(request.body()),
            "KEY": key_block(options),
            "ACCEPT": js_string(request.accept),
            "AUTH_NAME": js_key(conn.auth_header),
            "AUTH_VALUE": auth_value,
            "HANDLE": handle,
            "HELPERS": helpers,
        },
    )


def header_lines(
    request: RunRequest, options: RenderOptions, run_line: str, via: str = ""
) -> list[str]:
    what = "prints its answer as it streams" if request.stream else "prints its answer"
    api = " (v2 workflows API)" if request.api == "v2" else via
    key = (
        "The API key is written in below: keep this file private."
        if options.inline_token is not None
        else f"The API key is read from the {comment_text(options.key_env)} environment variable."
    )
    return [f"// Runs the Langflow flow {about(request)}{api} and {what}.", f"// {run_line}", f"// {key}"]


def render(request: RunRequest, options: RenderOptions) -> str:
    header = header_lines(request, options, "Needs Node.js 18 or later. Run: node <this file>.js")
    header += ["", '"use strict";']
    return fetch_program(request, options, header, types=False)


def render_typescript_fetch(request: RunRequest, options: RenderOptions, note: list[str]) -> str:
    """Plain-fetch TypeScript, for what @datastax/langflow-client does not cover."""
    header = header_lines(request, options, "Needs Node.js 18 or later. Run: npx tsx <this file>.ts")
    header[1:1] = [f"// {line}" for line in note]
    return fetch_program(request, options, header, types=True)


GENERATOR = Generator(
    name="javascript",
    label="JavaScript (Node fetch)",
    lexer="javascript",
    extension=".js",
    streams=True,
    render_fn=render,
)
