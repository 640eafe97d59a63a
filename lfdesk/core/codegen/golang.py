"""Go: one `package main` file, standard library only (net/http, encoding/json, bufio), laid
out exactly as gofmt would, so `gofmt -l` and `go vet` are clean and `go run` runs it. The
short form decodes into typed structs and fails with log.Fatal."""

from __future__ import annotations

import functools

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.cfamily import CFamily, Stream, render
from lfdesk.core.codegen.common import json_text
from lfdesk.core.codegen.common_c import go_raw_json, go_string
from lfdesk.core.codegen.short import Keys
from lfdesk.core.request import RunRequest

_READ_JSON = """\
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Reading the reply failed:", err)
		return 1
	}
	var result any
	if err := json.Unmarshal(raw, &result); err != nil {
		fmt.Fprintln(os.Stderr, "The reply is not JSON:", err)
		return 1
	}
"""


def _imports(request: RunRequest, options: RenderOptions) -> str:
    names = {"encoding/json", "fmt", "io", "net/http", "os", "strings"}
    if request.stream:
        names.add("bufio")
    elif request.api == "v2":
        names.add("sort")  # workflowText orders the outputs
    return "\n".join(f'\t"{name}"' for name in sorted(names))


GO = CFamily(
    string=go_string,
    body=go_raw_json,
    needs=("Needs Go 1.18 or later. Run: go run <this file>.go",),
    plus="+",  # gofmt writes "Bearer "+apiKey in an argument list
    imports=_imports,
    program="""\
@HEADER@
package main

import (
@IMPORTS@
)

const apiURL = @URL@

// The JSON body, as Langflow receives it.
const body = @BODY@

func main() {
	os.Exit(run())
}

func run() int {
@KEY@
	req, err := http.NewRequest(http.MethodPost, apiURL, strings.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, "Bad request:", err)
		return 1
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", @ACCEPT@)
	req.Header.Set(@AUTH_NAME@, @AUTH_VALUE@)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Request failed:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		raw, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(os.Stderr, "HTTP %d: %s\\n", resp.StatusCode, errorDetail(raw, resp.Status))
		return 1
	}
@HANDLE@
}
@HELPERS@""",
    key_env="""\
	apiKey := os.Getenv(@ENV@)
	if apiKey == "" {
		fmt.Fprintln(os.Stderr, @MISSING@)
		return 2
	}""",
    key_inline="""\
	// @WARNING@
	apiKey := @TOKEN@""",
    handle_v1=_READ_JSON + """\
	fmt.Println(answerText(result))
	return 0""",
    handle_v2=_READ_JSON + """\
	if get(result, "status") == "failed" {
		// A failed run still answers HTTP 200.
		fmt.Fprintln(os.Stderr, "Run failed:", runErrors(result, raw))
		return 1
	}
	fmt.Println(workflowText(result))
	return 0""",
    handle_stream="""\
	p := &streamPrinter{printed: map[string]string{}}
	reader := bufio.NewReader(resp.Body)
	for {
		line, err := reader.ReadString('\\n')
		if line != "" {
			if code, stop := p.line(line); stop {
				return code
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "Reading the stream failed:", err)
			return 1
		}
	}
	if code, stop := p.line(""); stop {
		return code
	}
	return p.finish()""",
    answer_text="""
// answerText is the answer: each output's message text (Langflow nests it deep in the reply).
func answerText(result any) string {
	var texts []string
	runs, _ := get(result, "outputs").([]any)
	for _, r := range runs {
		outputs, _ := get(r, "outputs").([]any)
		for _, output := range outputs {
			for _, path := range [][]string{
				{"results", "message", "text"},
				{"results", "text", "text"},
				{"outputs", "message", "message"},
				{"artifacts", "message"},
			} {
				if text, ok := get(output, path...).(string); ok {
					texts = append(texts, text)
					break
				}
			}
		}
	}
	return strings.Join(texts, "\\n")
}
""",
    workflow_text="""
// workflowText is the answer of a v2 run: output.text, else the text of each output
// (in component id order: Go maps have none).
func workflowText(result any) string {
	if text, ok := get(result, "output", "text").(string); ok {
		return text
	}
	outputs, _ := get(result, "outputs").(map[string]any)
	ids := make([]string, 0, len(outputs))
	for id := range outputs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var texts []string
	for _, id := range ids {
		if text, ok := get(outputs[id], "content").(string); ok {
			texts = append(texts, text)
		}
	}
	return strings.Join(texts, "\\n")
}

func runErrors(result any, raw []byte) string {
	list, _ := get(result, "errors").([]any)
	var texts []string
	for _, item := range list {
		if text, ok := get(item, "error").(string); ok {
			texts = append(texts, text)
		}
	}
	if len(texts) == 0 {
		return string(raw)
	}
	return strings.Join(texts, "\\n")
}
""",
    helpers_first="""
// get walks into nested JSON objects: get(v, "a", "b") is v["a"]["b"], or nil.
func get(v any, keys ...string) any {
	for _, key := range keys {
		object, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = object[key]
	}
	return v
}
""",
    helpers_last="""
// errorDetail is the readable part of an error reply: detail, or the message inside it.
func errorDetail(raw []byte, status string) string {
	fallback := strings.TrimSpace(string(raw))
	if fallback == "" {
		fallback = status
	}
	var reply any
	if json.Unmarshal(raw, &reply) != nil {
		return fallback
	}
	switch detail := get(reply, "detail").(type) {
	case string:
		var inner any // a failed build sends a JSON string
		if json.Unmarshal([]byte(detail), &inner) == nil {
			if message, ok := get(inner, "message").(string); ok {
				return message
			}
		}
		return detail
	case map[string]any:
		if message, ok := detail["message"].(string); ok {
			return message
		}
	}
	return fallback
}
""",
    printer="""
// streamPrinter prints streamed text once: tokens as they come, then whatever a final
// message adds.
type streamPrinter struct {
	block   []string          // lines of the event being read
	printed map[string]string // message id -> text printed so far
	lastID  string            // the message printed last
	started bool              // whether anything is printed
	ended   bool              // whether the end event came
@FIELDS@}

@LINE@
func (p *streamPrinter) dispatch() (int, bool) {
	if len(p.block) == 0 {
		return 0, false
	}
	raw := strings.Join(p.block, "\\n")
	p.block = nil
	var event map[string]any
	if err := json.Unmarshal([]byte(raw), &event); err != nil {
		return 0, false // not a JSON event: skip it
	}
	return p.handle(event, raw)
}

func (p *streamPrinter) write(id, text string) {
	if text == "" {
		return
	}
	if p.started && p.lastID != id {
		fmt.Print("\\n")
	}
	fmt.Print(text)
	p.started = true
	p.lastID = id
	p.printed[id] += text
}

func (p *streamPrinter) handle(event map[string]any, raw string) (int, bool) {
	data, _ := event["data"].(map[string]any)
	id, _ := data["id"].(string)
	switch event["event"] {
	case "token":
		if chunk, ok := data["chunk"].(string); ok {
			p.write(id, chunk)
		}
	case "add_message":
		// A partial message comes first, then tokens, then the complete message with the
		// same id: print only what the tokens have not printed yet.
		text, ok := data["text"].(string)
		if ok && data["sender"] != "User" && get(data, "properties", "state") != "partial" {
			if seen := p.printed[id]; strings.HasPrefix(text, seen) {
				p.write(id, text[len(seen):])
			}
		}
@OUTPUT_CASE@	case "end":
		p.ended = true
		if !p.started {
			p.write("", @END_TEXT@)
		}
	case "error":
		if p.started {
			fmt.Print("\\n")
		}
		fmt.Fprintln(os.Stderr, "Flow error:", eventError(data, raw))
		return 1, true
	}
	return 0, false
}

func (p *streamPrinter) finish() int {
	fmt.Print("\\n")
	if !p.ended {
		fmt.Fprintln(os.Stderr, "The stream ended before the run finished.")
		return 1
	}
	return 0
}

func eventError(data map[string]any, raw string) string {
	if text, ok := data["error"].(string); ok {
		return text
	}
	if text, ok := data["text"].(string); ok && text != "" {
		return text
	}
	return raw
}
""",
    stream_v1=Stream(
        line="""\
// line takes one line of the stream. Langflow's /run stream is not SSE: one JSON event
// per line, then a blank line.
func (p *streamPrinter) line(text string) (int, bool) {
	text = strings.TrimRight(text, "\\r\\n")
	if text != "" {
		p.block = append(p.block, text)
		return 0, false
	}
	return p.dispatch()
}
""",
        end_text='answerText(data["result"])',
    ),
    stream_v2=Stream(
        line="""\
// line takes one line of the stream. The v2 stream is SSE: `data: {json}` and `id: N`
// lines, then a blank line.
func (p *streamPrinter) line(text string) (int, bool) {
	text = strings.TrimRight(text, "\\r\\n")
	if text != "" {
		if strings.HasPrefix(text, "data:") {
			p.block = append(p.block, strings.TrimPrefix(text[5:], " "))
		}
		return 0, false
	}
	return p.dispatch()
}
""",
        end_text='strings.Join(p.outputs, "\\n")',
        fields="""\
	outputs []string          // output events, for a run that sent no text
""",
        output_case="""\
	case "output":
		if content, ok := data["content"].(string); ok {
			p.outputs = append(p.outputs, content)
		}
""",
    ),
)


# --- the short form ------------------------------------------------------------------------


def _short_imports(request: RunRequest, options: RenderOptions) -> str:
    names = {"encoding/json", "fmt", "io", "log", "net/http", "strings"}
    if options.inline_token is None:
        names.add("os")  # os.Getenv
    if request.stream:
        names.add("bufio")
    return "\n".join(f'\t"{name}"' for name in sorted(names))


def _go_path(keys: Keys) -> str:
    """`.Outputs[0].Outputs[0]...`: the answer's place as fields of the structs below (Go
    matches JSON keys to field names whatever their case)."""
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key.capitalize()}" for key in keys)


_DECODE = """\
	if err := json.NewDecoder(resp.Body).Decode(&result); err != nil {
		log.Fatal(err)
	}
"""

GO_SHORT = CFamily(
    string=go_string,
    body=functools.partial(go_raw_json, dump=json_text),
    needs=("Go 1.18+: go run <this file>.go",),
    plus="+",
    imports=_short_imports,
    program="""\
@HEADER@
package main

import (
@IMPORTS@
)

const url = @URL@
const body = @BODY@

func main() {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(@AUTH_NAME@, @AUTH_VALUE@)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		detail, _ := io.ReadAll(resp.Body)
		log.Fatalf("HTTP %d: %s", resp.StatusCode, detail)
	}
@HANDLE@
}
@HELPERS@""",
    key_env="os.Getenv(@ENV@)",
    key_inline="@TOKEN@",
    handle_v1="\tvar result struct{ Outputs []struct{ Outputs []output } }\n"
    + _DECODE
    + "\tfmt.Println(result@PATH@)",
    # The typed part of a v1 reply the short forms read.
    answer_text="""
type output struct{ Results struct{ Message, Text text } } // a Text Output's is under results.text
type text struct{ Text string }
""",
    handle_v2="\tvar result map[string]any\n"
    + _DECODE
    + """\
	if result["status"] == "failed" { // a failed run still answers HTTP 200
		log.Fatalf("The run failed: %v", result["errors"])
	}
	fmt.Println(result["output"].(map[string]any)["text"])""",
    workflow_text="",
    handle_stream="""\
	printed := "" // print each token as it comes
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<26) // an event can be long
	for lines.Scan() {
@LINE@
		switch event.Event {
		case "error":
			log.Fatalf("Flow error: %s", lines.Text())
		case "token":
			fmt.Print(event.Data.Chunk)
			printed += event.Data.Chunk
@OUTPUT_CASE@		case "end":
@END_TEXT@			fmt.Println()
			return
		}
	}
	log.Fatal(@NO_ANSWER@)""",
    printer="",
    stream_v1=Stream(
        line="""\
		var event struct {
			Event string
			Data  struct {
				Chunk  string
				Result struct{ Outputs []struct{ Outputs []output } }
			}
		}
		json.Unmarshal(lines.Bytes(), &event) // one JSON event a line (a blank one leaves it empty)""",
        end_text="""\
			if printed == "" { // a model that does not stream: the answer is in the result
				fmt.Print(event@END_PATH@)
			}
""",
    ),
    stream_v2=Stream(
        line="""\
		var event struct {
			Event string
			Data  struct{ Chunk, Content string }
		}
		// SSE: an event is a "data: {json}" line; other lines leave it empty
		json.Unmarshal([]byte(strings.TrimPrefix(lines.Text(), "data:")), &event)""",
        end_text="",
        output_case="""\
		case "output":
			if printed == "" { // a model that does not stream
				fmt.Print(event.Data.Content)
			}
""",
    ),
    short=True,
    path=_go_path,
)

GENERATOR = Generator(
    name="go", label="Go (net/http)",
    lexer="go", extension=".go", streams=True, render_fn=functools.partial(render, GO),
    short_fn=functools.partial(render, GO_SHORT),
)
