"""Java 11+: one file, `LangflowRun.java`, run as `java LangflowRun.java`; java.net.http and
a small JSON reader of its own (no third-party library). The source is pure ASCII: the
source charset of `java File.java` depends on the locale.

The short form reads the reply with Jackson (jackson-databind), the JSON library Java
projects use: the standard library has none, and a reader of its own would be most of it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.cfamily import CFamily, Stream, render
from lfdesk.core.codegen.common import json_text
from lfdesk.core.codegen.common_c import concat_lines, java_string, pretty_json
from lfdesk.core.request import RunRequest

# javac refuses a string constant over 65535 bytes (in modified UTF-8, up to 3 bytes a char),
# and `"a" + "b"` is one constant: a big body is joined at run time from pieces instead.
_PIECE = 10_000
_BIG = 20_000


def _body(body: Any, dump: Callable[[Any], str] = pretty_json) -> str:
    text = dump(body)
    if len(text) <= _BIG:
        return concat_lines(body, java_string, "\n            + ", dump)
    lines = text.split("\n")
    pieces: list[str] = []
    for n, line in enumerate(lines):
        if n < len(lines) - 1:
            line += "\n"
        pieces += [java_string(line[i : i + _PIECE]) for i in range(0, len(line), _PIECE)]
    return 'String.join("",\n            ' + ",\n            ".join(pieces) + ")"


def _imports(request: RunRequest, options: RenderOptions) -> str:
    return "import java.util.HashMap;\n" if request.stream else ""  # for StreamPrinter


# Raw strings: backslashes below are Java's. Never write a backslash followed by `u` in
# them, not even in a comment: javac reads those as unicode escapes before anything else.
JAVA = CFamily(
    string=java_string,
    body=_body,
    needs=("Needs Java 11 or later. Save as LangflowRun.java, then run: java LangflowRun.java",),
    imports=_imports,
    program=r"""@HEADER@

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
@IMPORTS@import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class LangflowRun {
    static final String URL = @URL@;

    // The JSON body, as Langflow receives it.
    static final String BODY = @BODY@;

    // UTF-8 whatever the platform default is.
    static final PrintStream OUT =
            new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    static final PrintStream ERR =
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

    public static void main(String[] args) {
        int code;
        try {
            code = run();
        } catch (IOException | InterruptedException | RuntimeException e) {
            ERR.println("Request failed: " + e);
            code = 1;
        }
        OUT.flush();
        System.exit(code);
    }

    static int run() throws IOException, InterruptedException {
@KEY@
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(URL))
                .header("Content-Type", "application/json")
                .header("Accept", @ACCEPT@)
                .header(@AUTH_NAME@, @AUTH_VALUE@)
                .POST(HttpRequest.BodyPublishers.ofString(BODY, StandardCharsets.UTF_8))
                .build();
        HttpResponse<InputStream> response =
                client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() / 100 != 2) {
                String raw = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                ERR.println("HTTP " + response.statusCode() + ": " + errorDetail(raw));
                return 1;
            }
@HANDLE@
        }
    }
@HELPERS@
    // get walks into nested JSON objects: get(v, "a", "b") is v["a"]["b"], or null.
    static Object get(Object value, String... keys) {
        for (String key : keys) {
            if (!(value instanceof Map)) {
                return null;
            }
            value = ((Map<?, ?>) value).get(key);
        }
        return value;
    }

    static String str(Object value, String... keys) {
        Object found = get(value, keys);
        return found instanceof String ? (String) found : null;
    }

    static List<?> list(Object value) {
        return value instanceof List ? (List<?>) value : List.of();
    }

    // The readable part of an error reply: detail, or the message inside it.
    static String errorDetail(String raw) {
        String fallback = raw.trim().isEmpty() ? "(empty reply)" : raw.trim();
        Object detail;
        try {
            detail = get(Json.parse(raw), "detail");
        } catch (IllegalArgumentException e) {
            return fallback;
        }
        if (detail instanceof String) {
            try {
                // A failed build sends a JSON string.
                String message = str(Json.parse((String) detail), "message");
                if (message != null) {
                    return message;
                }
            } catch (IllegalArgumentException e) {
                // a plain string
            }
            return (String) detail;
        }
        String message = str(detail, "message");
        return message != null ? message : fallback;
    }

    // A small JSON reader: objects become Maps, arrays Lists, numbers Doubles.
    static final class Json {
        private final String text;
        private int pos;

        private Json(String text) {
            this.text = text;
        }

        static Object parse(String text) {
            Json json = new Json(text);
            Object value = json.value();
            json.skipSpace();
            if (json.pos != text.length()) {
                throw json.error("trailing text");
            }
            return value;
        }

        private Object value() {
            skipSpace();
            switch (peek()) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    return word("true", Boolean.TRUE);
                case 'f':
                    return word("false", Boolean.FALSE);
                case 'n':
                    return word("null", null);
                default:
                    return number();
            }
        }

        private Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            pos++;
            skipSpace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipSpace();
                if (peek() != '"') {
                    throw error("expected a key");
                }
                String key = string();
                skipSpace();
                if (next() != ':') {
                    throw error("expected :");
                }
                map.put(key, value());
                skipSpace();
                char c = next();
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    throw error("expected , or }");
                }
            }
        }

        private List<Object> array() {
            List<Object> list = new ArrayList<>();
            pos++;
            skipSpace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                list.add(value());
                skipSpace();
                char c = next();
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    throw error("expected , or ]");
                }
            }
        }

        private String string() {
            pos++;
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char escape = next();
                switch (escape) {
                    case 'b':
                        out.append('\b');
                        break;
                    case 'f':
                        out.append('\f');
                        break;
                    case 'n':
                        out.append('\n');
                        break;
                    case 'r':
                        out.append('\r');
                        break;
                    case 't':
                        out.append('\t');
                        break;
                    case 'u':
                        // Four hex digits, one UTF-16 unit: a surrogate pair is two of these.
                        if (pos + 4 > text.length()) {
                            throw error("short escape");
                        }
                        out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        pos += 4;
                        break;
                    default:
                        out.append(escape); // quote, backslash, slash
                }
            }
        }

        private Object number() {
            int start = pos;
            while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
                pos++;
            }
            if (start == pos) {
                throw error("unexpected character");
            }
            return Double.parseDouble(text.substring(start, pos));
        }

        private Object word(String word, Object value) {
            if (!text.startsWith(word, pos)) {
                throw error("unexpected word");
            }
            pos += word.length();
            return value;
        }

        private void skipSpace() {
            while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
                pos++;
            }
        }

        private char peek() {
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        private char next() {
            if (pos >= text.length()) {
                throw error("unexpected end");
            }
            return text.charAt(pos++);
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("bad JSON at " + pos + ": " + what);
        }
    }
}
""",
    key_env=r"""        String apiKey = System.getenv(@ENV@);
        if (apiKey == null || apiKey.isEmpty()) {
            ERR.println(@MISSING@);
            return 2;
        }""",
    key_inline=r"""        // @WARNING@
        String apiKey = @TOKEN@;""",
    handle_v1=r"""            Object result = Json.parse(new String(body.readAllBytes(), StandardCharsets.UTF_8));
            OUT.println(answerText(result));
            return 0;""",
    handle_v2=r"""            String raw = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            Object result = Json.parse(raw);
            if ("failed".equals(get(result, "status"))) {
                // A failed run still answers HTTP 200.
                ERR.println("Run failed: " + runErrors(result, raw));
                return 1;
            }
            OUT.println(workflowText(result));
            return 0;""",
    handle_stream=r"""            StreamPrinter printer = new StreamPrinter();
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                int code = printer.line(line);
                if (code >= 0) {
                    return code;
                }
            }
            int code = printer.line("");
            return code >= 0 ? code : printer.finish();""",
    answer_text=r"""
    static final String[][] ANSWER_PATHS = {
        {"results", "message", "text"},
        {"results", "text", "text"},
        {"outputs", "message", "message"},
        {"artifacts", "message"},
    };

    // The answer: each output's message text (Langflow nests it deep in the reply).
    static String answerText(Object result) {
        List<String> texts = new ArrayList<>();
        for (Object run : list(get(result, "outputs"))) {
            for (Object output : list(get(run, "outputs"))) {
                for (String[] path : ANSWER_PATHS) {
                    String text = str(output, path);
                    if (text != null) {
                        texts.add(text);
                        break;
                    }
                }
            }
        }
        return String.join("\n", texts);
    }
""",
    workflow_text=r"""
    // The answer of a v2 run: output.text, else the text of each output.
    static String workflowText(Object result) {
        String text = str(result, "output", "text");
        if (text != null) {
            return text;
        }
        List<String> texts = new ArrayList<>();
        Object outputs = get(result, "outputs");
        if (outputs instanceof Map) {
            for (Object output : ((Map<?, ?>) outputs).values()) {
                String content = str(output, "content");
                if (content != null) {
                    texts.add(content);
                }
            }
        }
        return String.join("\n", texts);
    }

    static String runErrors(Object result, String raw) {
        List<String> texts = new ArrayList<>();
        for (Object error : list(get(result, "errors"))) {
            String text = str(error, "error");
            if (text != null) {
                texts.add(text);
            }
        }
        return texts.isEmpty() ? raw : String.join("\n", texts);
    }
""",
    printer=r"""
    // Prints streamed text once: tokens as they come, then whatever a final message adds.
    // line() and handle() answer an exit code, or -1 to go on.
    static final class StreamPrinter {
        private final List<String> block = new ArrayList<>(); // lines of the event being read
        private final Map<String, String> printed = new HashMap<>(); // message id -> text so far
@FIELDS@        private String lastId; // the message printed last; null while nothing is printed
        private boolean ended;

@LINE@
        int dispatch() {
            if (block.isEmpty()) {
                return -1;
            }
            String raw = String.join("\n", block);
            block.clear();
            Object event;
            try {
                event = Json.parse(raw);
            } catch (IllegalArgumentException e) {
                return -1; // not a JSON event: skip it
            }
            return handle(event, raw);
        }

        void write(String id, String text) {
            if (text.isEmpty()) {
                return;
            }
            if (lastId != null && !lastId.equals(id)) {
                OUT.print("\n");
            }
            OUT.print(text);
            OUT.flush();
            lastId = id;
            printed.merge(id, text, String::concat);
        }

        int handle(Object event, String raw) {
            Object data = get(event, "data");
            String id = str(data, "id");
            if (id == null) {
                id = "";
            }
            switch (String.valueOf(get(event, "event"))) {
                case "token": {
                    String chunk = str(data, "chunk");
                    if (chunk != null) {
                        write(id, chunk);
                    }
                    break;
                }
                case "add_message": {
                    // A partial message comes first, then tokens, then the complete message
                    // with the same id: print only what the tokens have not printed yet.
                    String text = str(data, "text");
                    boolean complete = !"partial".equals(get(data, "properties", "state"));
                    if (text != null && complete && !"User".equals(get(data, "sender"))) {
                        String seen = printed.getOrDefault(id, "");
                        if (text.startsWith(seen)) {
                            write(id, text.substring(seen.length()));
                        }
                    }
                    break;
                }
@OUTPUT_CASE@                case "end":
                    ended = true;
                    if (lastId == null) {
                        write("", @END_TEXT@);
                    }
                    break;
                case "error":
                    if (lastId != null) {
                        OUT.print("\n");
                        OUT.flush();
                    }
                    ERR.println("Flow error: " + eventError(data, raw));
                    return 1;
                default:
                    break;
            }
            return -1;
        }

        int finish() {
            OUT.print("\n");
            OUT.flush();
            if (!ended) {
                ERR.println("The stream ended before the run finished.");
                return 1;
            }
            return 0;
        }
    }

    static String eventError(Object data, String raw) {
        String error = str(data, "error");
        if (error != null) {
            return error;
        }
        String text = str(data, "text");
        return text != null && !text.isEmpty() ? text : raw;
    }
""",
    stream_v1=Stream(
        line=r"""        // Langflow's /run stream is not SSE: one JSON event per line, then a blank line.
        int line(String text) {
            if (!text.isEmpty()) {
                block.add(text);
                return -1;
            }
            return dispatch();
        }
""",
        end_text='answerText(get(data, "result"))',
    ),
    stream_v2=Stream(
        line=r"""        // The v2 stream is SSE: "data: {json}" and "id: N" lines, then a blank line.
        int line(String text) {
            if (!text.isEmpty()) {
                if (text.startsWith("data:")) {
                    String data = text.substring(5);
                    block.add(data.startsWith(" ") ? data.substring(1) : data);
                }
                return -1;
            }
            return dispatch();
        }
""",
        end_text='String.join("\\n", outputs)',
        fields=r"""        private final List<String> outputs = new ArrayList<>(); // for a run that sent no text
""",
        output_case=r"""                case "output": {
                    String content = str(data, "content");
                    if (content != null) {
                        outputs.add(content);
                    }
                    break;
                }
""",
    ),
)

# --- the short form ------------------------------------------------------------------------

_SHORT_IMPORTS = (
    "com.fasterxml.jackson.databind.JsonNode",
    "com.fasterxml.jackson.databind.ObjectMapper",
    "java.io.InputStream",
    "java.io.PrintStream",
    "java.net.URI",
    "java.net.http.HttpClient",
    "java.net.http.HttpRequest",
    "java.net.http.HttpResponse",
    "java.nio.charset.StandardCharsets",
)
_STREAM_IMPORTS = ("java.io.BufferedReader", "java.io.InputStreamReader")


def _short_imports(request: RunRequest, options: RenderOptions) -> str:
    names = sorted(_SHORT_IMPORTS + (_STREAM_IMPORTS if request.stream else ()))
    return "".join(f"import {name};\n" for name in names)


JAVA_SHORT = CFamily(
    string=java_string,
    body=functools.partial(_body, dump=json_text),
    needs=(
        "Needs Java 11+ and Jackson (Maven: com.fasterxml.jackson.core:jackson-databind).",
        "Run: java -cp <the Jackson jars> LangflowRun.java",
    ),
    imports=_short_imports,
    program=r"""@HEADER@

@IMPORTS@
public class LangflowRun {
    static final String URL = @URL@;
    static final String BODY = @BODY@;

    public static void main(String[] args) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(URL))
                .header("Content-Type", "application/json")
                .header(@AUTH_NAME@, @AUTH_VALUE@)
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build();
        HttpResponse<InputStream> response = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // HTTP/2 upgrades confuse plain http:// servers
                .build().send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String detail = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            System.err.println("HTTP " + response.statusCode() + ": " + detail);
            System.exit(1);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8); // UTF-8 always
@HANDLE@
    }
}
""",
    key_env='System.getenv().getOrDefault(@ENV@, "")',
    key_inline="@TOKEN@",
    handle_v1=r"""        JsonNode result = new ObjectMapper().readTree(response.body());
        out.println(result.at(@PATH@).asText());""",
    handle_v2=r"""        JsonNode result = new ObjectMapper().readTree(response.body());
        if (result.path("status").asText().equals("failed")) { // a failed run still answers 200
            System.err.println("The run failed: " + result.path("errors"));
            System.exit(1);
        }
        out.println(result.at(@PATH@).asText());""",
    handle_stream=r"""@FIELDS@        ObjectMapper mapper = new ObjectMapper();
        String printed = "";
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            JsonNode event = mapper.readTree(@LINE@);
            JsonNode data = event.path("data");
            String kind = event.path("event").asText();
            if (kind.equals("error")) {
                System.err.println("Flow error: " + data.path("error").asText(line));
                System.exit(1);
            } else if (kind.equals("token")) {
                out.print(data.path("chunk").asText());
                out.flush();
                printed += data.path("chunk").asText();
@OUTPUT_CASE@            } else if (kind.equals("end")) {
@END_TEXT@                out.println();
                return;
            }
        }
        System.err.println(@NO_ANSWER@);
        System.exit(1);""",
    answer_text="",
    workflow_text="",
    printer="",
    stream_v1=Stream(
        line='line.isBlank() ? "{}" : line',
        end_text=r"""                if (printed.isEmpty()) { // a model that does not stream: the answer is in the result
                    out.print(event.at(@END_PATH@).asText());
                }
""",
        fields="        // Langflow's /run stream is one JSON event a line: print each token as it comes.\n",
    ),
    stream_v2=Stream(
        line='line.startsWith("data:") ? line.substring(5) : "{}"',
        end_text="",
        fields="        // The v2 stream is SSE, `data: {json}` lines: print each token as it comes.\n",
        output_case=r"""            } else if (kind.equals("output") && printed.isEmpty()) { // a model that does not stream
                out.print(data.path("content").asText());
""",
    ),
    short=True,
    path=lambda keys: java_string("".join(f"/{key}" for key in keys)),  # a JSON Pointer
)

GENERATOR = Generator(
    name="java", label="Java (java.net.http)",
    lexer="java", extension=".java", streams=True, filename="LangflowRun.java",
    render_fn=functools.partial(render, JAVA),
    short_fn=functools.partial(render, JAVA_SHORT),
)
