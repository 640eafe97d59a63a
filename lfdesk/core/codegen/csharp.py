"""C#: `LangflowRun.cs` with a classic `static int Main`, HttpClient and a small JSON reader of
its own (System.Text.Json is not on Mono), so it builds on .NET 8 and with Mono's
`mcs -r:System.Net.Http.dll LangflowRun.cs` alike. Pure ASCII source.

The short form reads JSON as XML (JsonReaderWriterFactory, in .NET and Mono alike; Mono needs
`-r:System.Runtime.Serialization.dll`) and finds the answer with XPath."""

from __future__ import annotations

import functools

from lfdesk.core.codegen import Generator
from lfdesk.core.codegen.cfamily import CFamily, Stream, render
from lfdesk.core.codegen.common import json_text
from lfdesk.core.codegen.common_c import concat_lines, csharp_string
from lfdesk.core.codegen.short import Keys

NAMESPACE = "LangflowExample"


CSHARP = CFamily(
    string=csharp_string,
    body=functools.partial(concat_lines, literal=csharp_string, joiner="\n            + "),
    needs=(
        "Save as LangflowRun.cs. .NET 8: make it the Program.cs of a `dotnet new console`",
        "project, then `dotnet run`.",
        "Mono: mcs -r:System.Net.Http.dll LangflowRun.cs && mono LangflowRun.exe",
    ),
    program=r"""@HEADER@

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;

namespace LangflowExample
{
    public static class LangflowRun
    {
        const string Url = @URL@;

        // The JSON body, as Langflow receives it.
        const string Body = @BODY@;

        static int Main(string[] args)
        {
            // UTF-8 whatever the console's default is.
            var utf8 = new UTF8Encoding(false);
            Console.SetOut(new StreamWriter(Console.OpenStandardOutput(), utf8) { AutoFlush = true });
            Console.SetError(new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true });
            try
            {
                return Run();
            }
            catch (Exception e)
            {
                var cause = e.InnerException != null ? " (" + e.InnerException.Message + ")" : "";
                Console.Error.WriteLine("Request failed: " + e.Message + cause);
                return 1;
            }
        }

        static int Run()
        {
@KEY@
            using (var client = new HttpClient())
            using (var request = new HttpRequestMessage(HttpMethod.Post, Url))
            {
                client.Timeout = Timeout.InfiniteTimeSpan; // a flow can take long
                request.Content = new StringContent(Body, new UTF8Encoding(false), "application/json");
                request.Headers.TryAddWithoutValidation("Accept", @ACCEPT@);
                request.Headers.TryAddWithoutValidation(@AUTH_NAME@, @AUTH_VALUE@);
                var sent = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using (var response = sent.GetAwaiter().GetResult())
                using (var body = response.Content.ReadAsStreamAsync().GetAwaiter().GetResult())
                using (var reader = new StreamReader(body, new UTF8Encoding(false)))
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        var detail = ErrorDetail(reader.ReadToEnd(), response.ReasonPhrase);
                        Console.Error.WriteLine("HTTP " + (int)response.StatusCode + ": " + detail);
                        return 1;
                    }
@HANDLE@
                }
            }
        }
@HELPERS@
        // Get walks into nested JSON objects: Get(v, "a", "b") is v["a"]["b"], or null.
        static object Get(object value, params string[] keys)
        {
            foreach (var key in keys)
            {
                var map = value as Dictionary<string, object>;
                if (map == null || !map.TryGetValue(key, out value))
                {
                    return null;
                }
            }
            return value;
        }

        static string Str(object value, params string[] keys)
        {
            return Get(value, keys) as string;
        }

        static List<object> Items(object value)
        {
            return value as List<object> ?? new List<object>();
        }

        // The readable part of an error reply: detail, or the message inside it.
        static string ErrorDetail(string raw, string reason)
        {
            var fallback = raw.Trim().Length > 0 ? raw.Trim() : reason;
            object detail;
            try
            {
                detail = Get(Json.Parse(raw), "detail");
            }
            catch (FormatException)
            {
                return fallback;
            }
            var text = detail as string;
            if (text != null)
            {
                try
                {
                    // A failed build sends a JSON string.
                    var message = Str(Json.Parse(text), "message");
                    if (message != null)
                    {
                        return message;
                    }
                }
                catch (FormatException)
                {
                    // a plain string
                }
                return text;
            }
            return Str(detail, "message") ?? fallback;
        }

        // A small JSON reader: objects become Dictionaries, arrays Lists, numbers doubles.
        sealed class Json
        {
            readonly string text;
            int pos;

            Json(string text)
            {
                this.text = text;
            }

            public static object Parse(string text)
            {
                var json = new Json(text);
                var value = json.ReadValue();
                json.SkipSpace();
                if (json.pos != text.Length)
                {
                    throw json.Error("trailing text");
                }
                return value;
            }

            object ReadValue()
            {
                SkipSpace();
                switch (Peek())
                {
                    case '{':
                        return ReadObject();
                    case '[':
                        return ReadArray();
                    case '"':
                        return ReadString();
                    case 't':
                        return ReadWord("true", true);
                    case 'f':
                        return ReadWord("false", false);
                    case 'n':
                        return ReadWord("null", null);
                    default:
                        return ReadNumber();
                }
            }

            Dictionary<string, object> ReadObject()
            {
                var map = new Dictionary<string, object>();
                pos++;
                SkipSpace();
                if (Peek() == '}')
                {
                    pos++;
                    return map;
                }
                while (true)
                {
                    SkipSpace();
                    if (Peek() != '"')
                    {
                        throw Error("expected a key");
                    }
                    var key = ReadString();
                    SkipSpace();
                    if (Next() != ':')
                    {
                        throw Error("expected :");
                    }
                    map[key] = ReadValue();
                    SkipSpace();
                    var c = Next();
                    if (c == '}')
                    {
                        return map;
                    }
                    if (c != ',')
                    {
                        throw Error("expected , or }");
                    }
                }
            }

            List<object> ReadArray()
            {
                var list = new List<object>();
                pos++;
                SkipSpace();
                if (Peek() == ']')
                {
                    pos++;
                    return list;
                }
                while (true)
                {
                    list.Add(ReadValue());
                    SkipSpace();
                    var c = Next();
                    if (c == ']')
                    {
                        return list;
                    }
                    if (c != ',')
                    {
                        throw Error("expected , or ]");
                    }
                }
            }

            string ReadString()
            {
                pos++;
                var output = new StringBuilder();
                while (true)
                {
                    var c = Next();
                    if (c == '"')
                    {
                        return output.ToString();
                    }
                    if (c != '\\')
                    {
                        output.Append(c);
                        continue;
                    }
                    var escape = Next();
                    switch (escape)
                    {
                        case 'b':
                            output.Append('\b');
                            break;
                        case 'f':
                            output.Append('\f');
                            break;
                        case 'n':
                            output.Append('\n');
                            break;
                        case 'r':
                            output.Append('\r');
                            break;
                        case 't':
                            output.Append('\t');
                            break;
                        case 'u':
                            // Four hex digits, one UTF-16 unit: a surrogate pair is two of these.
                            if (pos + 4 > text.Length)
                            {
                                throw Error("short escape");
                            }
                            output.Append((char)Convert.ToInt32(text.Substring(pos, 4), 16));
                            pos += 4;
                            break;
                        default:
                            output.Append(escape); // quote, backslash, slash
                            break;
                    }
                }
            }

            object ReadNumber()
            {
                var start = pos;
                while (pos < text.Length && "+-0123456789.eE".IndexOf(text[pos]) >= 0)
                {
                    pos++;
                }
                if (start == pos)
                {
                    throw Error("unexpected character");
                }
                var number = text.Substring(start, pos - start);
                return double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            object ReadWord(string word, object value)
            {
                if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0)
                {
                    throw Error("unexpected word");
                }
                pos += word.Length;
                return value;
            }

            void SkipSpace()
            {
                while (pos < text.Length && " \t\r\n".IndexOf(text[pos]) >= 0)
                {
                    pos++;
                }
            }

            char Peek()
            {
                return pos < text.Length ? text[pos] : '\0';
            }

            char Next()
            {
                if (pos >= text.Length)
                {
                    throw Error("unexpected end");
                }
                return text[pos++];
            }

            FormatException Error(string what)
            {
                return new FormatException("bad JSON at " + pos + ": " + what);
            }
        }
    }
}
""",
    key_env=r"""            var apiKey = Environment.GetEnvironmentVariable(@ENV@);
            if (string.IsNullOrEmpty(apiKey))
            {
                Console.Error.WriteLine(@MISSING@);
                return 2;
            }""",
    key_inline=r"""            // @WARNING@
            var apiKey = @TOKEN@;""",
    handle_v1=r"""                    var result = Json.Parse(reader.ReadToEnd());
                    Console.WriteLine(AnswerText(result));
                    return 0;""",
    handle_v2=r"""                    var raw = reader.ReadToEnd();
                    var result = Json.Parse(raw);
                    if (Str(result, "status") == "failed")
                    {
                        // A failed run still answers HTTP 200.
                        Console.Error.WriteLine("Run failed: " + RunErrors(result, raw));
                        return 1;
                    }
                    Console.WriteLine(WorkflowText(result));
                    return 0;""",
    handle_stream=r"""                    var printer = new StreamPrinter();
                    string line;
                    while ((line = reader.ReadLine()) != null)
                    {
                        var code = printer.Line(line);
                        if (code >= 0)
                        {
                            return code;
                        }
                    }
                    var last = printer.Line("");
                    return last >= 0 ? last : printer.Finish();""",
    answer_text=r"""
        static readonly string[][] AnswerPaths =
        {
            new[] { "results", "message", "text" },
            new[] { "results", "text", "text" },
            new[] { "outputs", "message", "message" },
            new[] { "artifacts", "message" },
        };

        // The answer: each output's message text (Langflow nests it deep in the reply).
        static string AnswerText(object result)
        {
            var texts = new List<string>();
            foreach (var run in Items(Get(result, "outputs")))
            {
                foreach (var output in Items(Get(run, "outputs")))
                {
                    foreach (var path in AnswerPaths)
                    {
                        var text = Str(output, path);
                        if (text != null)
                        {
                            texts.Add(text);
                            break;
                        }
                    }
                }
            }
            return string.Join("\n", texts);
        }
""",
    workflow_text=r"""
        // The answer of a v2 run: output.text, else the text of each output.
        static string WorkflowText(object result)
        {
            var text = Str(result, "output", "text");
            if (text != null)
            {
                return text;
            }
            var texts = new List<string>();
            var outputs = Get(result, "outputs") as Dictionary<string, object>;
            if (outputs != null)
            {
                foreach (var output in outputs.Values)
                {
                    var content = Str(output, "content");
                    if (content != null)
                    {
                        texts.Add(content);
                    }
                }
            }
            return string.Join("\n", texts);
        }

        static string RunErrors(object result, string raw)
        {
            var texts = new List<string>();
            foreach (var error in Items(Get(result, "errors")))
            {
                var text = Str(error, "error");
                if (text != null)
                {
                    texts.Add(text);
                }
            }
            return texts.Count == 0 ? raw : string.Join("\n", texts);
        }
""",
    printer=r"""
        // Prints streamed text once: tokens as they come, then whatever a final message adds.
        // Line() and Handle() answer an exit code, or -1 to go on.
        sealed class StreamPrinter
        {
            readonly List<string> block = new List<string>(); // lines of the event being read
            readonly Dictionary<string, string> printed = new Dictionary<string, string>(); // id -> text so far
@FIELDS@            string lastId; // the message printed last; null while nothing is printed
            bool ended;

@LINE@
            int Dispatch()
            {
                if (block.Count == 0)
                {
                    return -1;
                }
                var raw = string.Join("\n", block);
                block.Clear();
                object ev;
                try
                {
                    ev = Json.Parse(raw);
                }
                catch (FormatException)
                {
                    return -1; // not a JSON event: skip it
                }
                return Handle(ev, raw);
            }

            void Write(string id, string text)
            {
                if (text.Length == 0)
                {
                    return;
                }
                if (lastId != null && lastId != id)
                {
                    Console.Out.Write("\n");
                }
                Console.Out.Write(text);
                lastId = id;
                string seen;
                printed[id] = (printed.TryGetValue(id, out seen) ? seen : "") + text;
            }

            int Handle(object ev, string raw)
            {
                var data = Get(ev, "data");
                var id = Str(data, "id") ?? "";
                switch (Str(ev, "event"))
                {
                    case "token":
                    {
                        var chunk = Str(data, "chunk");
                        if (chunk != null)
                        {
                            Write(id, chunk);
                        }
                        break;
                    }
                    case "add_message":
                    {
                        // A partial message comes first, then tokens, then the complete message
                        // with the same id: print only what the tokens have not printed yet.
                        var text = Str(data, "text");
                        var complete = Str(data, "properties", "state") != "partial";
                        if (text != null && complete && Str(data, "sender") != "User")
                        {
                            string seen;
                            if (!printed.TryGetValue(id, out seen))
                            {
                                seen = "";
                            }
                            if (text.StartsWith(seen, StringComparison.Ordinal))
                            {
                                Write(id, text.Substring(seen.Length));
                            }
                        }
                        break;
                    }
@OUTPUT_CASE@                    case "end":
                        ended = true;
                        if (lastId == null)
                        {
                            Write("", @END_TEXT@);
                        }
                        break;
                    case "error":
                        if (lastId != null)
                        {
                            Console.Out.Write("\n");
                        }
                        Console.Error.WriteLine("Flow error: " + EventError(data, raw));
                        return 1;
                }
                return -1;
            }

            public int Finish()
            {
                Console.Out.Write("\n");
                if (!ended)
                {
                    Console.Error.WriteLine("The stream ended before the run finished.");
                    return 1;
                }
                return 0;
            }
        }

        static string EventError(object data, string raw)
        {
            var error = Str(data, "error");
            if (error != null)
            {
                return error;
            }
            var text = Str(data, "text");
            return string.IsNullOrEmpty(text) ? raw : text;
        }
""",
    stream_v1=Stream(
        line=r"""            // Langflow's /run stream is not SSE: one JSON event per line, then a blank line.
            public int Line(string text)
            {
                if (text.Length > 0)
                {
                    block.Add(text);
                    return -1;
                }
                return Dispatch();
            }
""",
        end_text='AnswerText(Get(data, "result"))',
    ),
    stream_v2=Stream(
        line=r"""            // The v2 stream is SSE: "data: {json}" and "id: N" lines, then a blank line.
            public int Line(string text)
            {
                if (text.Length > 0)
                {
                    if (text.StartsWith("data:", StringComparison.Ordinal))
                    {
                        var data = text.Substring(5);
                        block.Add(data.StartsWith(" ", StringComparison.Ordinal) ? data.Substring(1) : data);
                    }
                    return -1;
                }
                return Dispatch();
            }
""",
        end_text='string.Join("\\n", outputs)',
        fields=r"""            readonly List<string> outputs = new List<string>(); // for a run that sent no text
""",
        output_case=r"""                    case "output":
                    {
                        var content = Str(data, "content");
                        if (content != null)
                        {
                            outputs.Add(content);
                        }
                        break;
                    }
""",
    ),
)

# --- the short form ------------------------------------------------------------------------

_SHORT_USINGS = (
    "System",
    "System.IO",
    "System.Net.Http",
    "System.Runtime.Serialization.Json",
    "System.Text",
    "System.Threading",
    "System.Xml",
)



def _xpath(keys: Keys) -> str:
    """Where the answer sits, as an XPath below the reply's root element (an array's items
    are `item` elements, counted from 1)."""
    return csharp_string("/".join(f"item[{key + 1}]" if isinstance(key, int) else key for key in keys))

CSHARP_SHORT = CFamily(
    string=csharp_string,
    body=functools.partial(
        concat_lines, literal=csharp_string, joiner="\n        + ", dump=json_text
    ),
    needs=(
        "Save as LangflowRun.cs: the Program.cs of a `dotnet new console` project, or with Mono:",
        "mcs -r:System.Net.Http.dll -r:System.Runtime.Serialization.dll LangflowRun.cs && mono LangflowRun.exe",
    ),
    program="@HEADER@\n\n"
    + "".join(f"using {name};\n" for name in _SHORT_USINGS)
    + r"""
public static class LangflowRun
{
    const string Url = @URL@;
    const string Body = @BODY@;

    static int Main()
    {
        Console.OutputEncoding = new UTF8Encoding(false);
        var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // a run can take long
        var request = new HttpRequestMessage(HttpMethod.Post, Url);
        request.Content = new StringContent(Body, Encoding.UTF8, "application/json");
        request.Headers.TryAddWithoutValidation(@AUTH_NAME@, @AUTH_VALUE@);
        var response = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Result;
        var body = response.Content.ReadAsStreamAsync().Result;
        if (!response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine("HTTP " + (int)response.StatusCode + ": " + new StreamReader(body).ReadToEnd());
            return 1;
        }
@HANDLE@
    }

    // JSON read as XML, the standard library's own way: keys are elements, array items <item>s.
    static XmlDocument Json(Stream json)
    {
        var document = new XmlDocument();
        document.Load(JsonReaderWriterFactory.CreateJsonReader(json, XmlDictionaryReaderQuotas.Max));
        return document;
    }

    // The text at `path` below the root (the reply's top level), or "" when there is none.
    static string Text(XmlDocument json, string path) => json.DocumentElement.SelectSingleNode(path)?.InnerText ?? "";
@HELPERS@}
""",
    key_env='Environment.GetEnvironmentVariable(@ENV@) ?? ""',
    key_inline="@TOKEN@",
    handle_v1=r"""        Console.WriteLine(Text(Json(body), @PATH@));
        return 0;""",
    handle_v2=r"""        var result = Json(body);
        if (Text(result, "status") == "failed") // a failed run still answers HTTP 200
        {
            Console.Error.WriteLine("The run failed: " + Text(result, "errors"));
            return 1;
        }
        Console.WriteLine(Text(result, @PATH@));
        return 0;""",
    workflow_text="",
    handle_stream=r"""@FIELDS@        var printed = "";
        var lines = new StreamReader(body, new UTF8Encoding(false));
        for (var line = lines.ReadLine(); line != null; line = lines.ReadLine())
        {
            var json = @LINE@;
            if (string.IsNullOrWhiteSpace(json)) continue;
            var ev = Json(new MemoryStream(Encoding.UTF8.GetBytes(json)));
            switch (Text(ev, "event"))
            {
                case "error":
                    Console.Error.WriteLine("Flow error: " + Text(ev, "data/error"));
                    return 1;
                case "token":
                    Console.Write(Text(ev, "data/chunk"));
                    printed += Text(ev, "data/chunk");
                    break;
@OUTPUT_CASE@                case "end":
@END_TEXT@                    Console.WriteLine();
                    return 0;
            }
        }
        Console.Error.WriteLine(@NO_ANSWER@);
        return 1;""",
    answer_text="",
    printer="",
    stream_v1=Stream(
        line="line",
        end_text=r"""                    if (printed == "") // a model that does not stream: the answer is in the result
                    {
                        Console.Write(Text(ev, @END_PATH@));
                    }
""",
        fields="        // Langflow's /run stream is one JSON event a line: print each token as it comes.\n",
    ),
    stream_v2=Stream(
        line='line.StartsWith("data:", StringComparison.Ordinal) ? line.Substring(5) : ""',
        end_text="",
        fields="        // The v2 stream is SSE, `data: {json}` lines: print each token as it comes.\n",
        output_case=r"""                case "output":
                    if (printed == "") // a model that does not stream
                    {
                        Console.Write(Text(ev, "data/content"));
                    }
                    break;
""",
    ),
    short=True,
    path=_xpath,
)

GENERATOR = Generator(
    name="csharp", label="C# (HttpClient)",
    lexer="csharp", extension=".cs", streams=True, filename="LangflowRun.cs",
    render_fn=functools.partial(render, CSHARP),
    short_fn=functools.partial(render, CSHARP_SHORT),
)
