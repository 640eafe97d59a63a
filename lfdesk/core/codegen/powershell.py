"""powershell: a script for PowerShell 7 and Windows PowerShell 5.1.

Plain runs use Invoke-WebRequest (not Invoke-RestMethod: the raw bytes are decoded as UTF-8
by the script, since 5.1 decodes a JSON reply without a charset as ISO-8859-1). Neither
cmdlet can hand over a body while it arrives, so streams use .NET's HttpClient with
ResponseHeadersRead and read it line by line. The body sits in a single-quoted here-string
(nothing in it is expanded) with non-ASCII characters as JSON \\u escapes: 5.1 reads a
script without a byte order mark in the ANSI code page.

The short form is for PowerShell 7 (which reads a JSON reply as UTF-8): Invoke-RestMethod,
or for a stream HttpClient read line by line; $ErrorActionPreference = 'Stop' makes an HTTP
error end the script with exit code 1.

PowerShell is not installed where lfdesk is tested: these scripts are checked against
golden files only.
"""

from __future__ import annotations

from lfdesk.core.codegen import Generator, RenderOptions
from lfdesk.core.codegen.common import (
    body_json,
    fill,
    flow_title,
    hash_header,
    key_env,
    secret_warning,
)
from lfdesk.core.codegen.short import NO_ANSWER, answer_keys, dotted
from lfdesk.core.request import RunRequest

_DOUBLE_SPECIAL = {"`": "``", "$": "`$", '"': '`"', "\n": "`n", "\r": "`r", "\t": "`t", "\0": "`0"}


def _ps_char(ch: str) -> str:
    """One character inside a double-quoted PowerShell string, in ASCII."""
    special = _DOUBLE_SPECIAL.get(ch)
    if special is not None:
        return special
    code = ord(ch)
    if 0x20 <= code < 0x7F:
        return ch
    if code > 0xFFFF:  # a UTF-16 surrogate pair
        code -= 0x10000
        return f"$([char]0x{0xD800 + (code >> 10):04X})$([char]0x{0xDC00 + (code & 0x3FF):04X})"
    return f"$([char]0x{code:04X})"


def ps_quote(text: str) -> str:
    """A PowerShell string literal that reads the same in 7 and in Windows PowerShell 5.1.

    ASCII text becomes a single-quoted string (only `'` is doubled). Anything else is
    written as a double-quoted string with `$([char]0x...)` for each non-ASCII character,
    so the file is plain ASCII (5.1 reads a BOM-less script in the ANSI code page)."""
    if text.isascii() and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(map(_ps_char, text)) + '"'


_PROGRAM = """\
@HEADER@
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false) } catch { }
@TLS@
$Url = @URL@
@KEY@$Headers = @{
@HEADERS@}
# The JSON body, exactly as sent: nothing in a single-quoted here-string is expanded.
# Characters outside ASCII are written as \\u escapes, so that Windows PowerShell 5.1
# reads this file right whatever encoding it was saved in.
$Body = @'
@BODY@
'@

@HELPERS@"""

_TLS = """\
# Windows PowerShell 5.1 may not offer TLS 1.2 by itself.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
"""

_KEY_ENV = """\
$ApiKey = $env:@ENV@
if (-not $ApiKey) {
    [Console]::Error.WriteLine('Set the @ENV@ environment variable to your Langflow API key.')
    exit 1
}
"""

_ERRORS = """\
# The readable part of an error reply: its "detail", which may be a string, an object
# with a "message", or a JSON string holding one.
function Get-ErrorDetail([string]$Raw) {
    try { $Reply = ConvertFrom-Json $Raw } catch { return $Raw.Trim() }
    $Detail = $Reply
    if ($null -ne $Reply.detail) { $Detail = $Reply.detail }
    if ($Detail -is [string]) {
        try { $Inner = ConvertFrom-Json $Detail } catch { return $Detail }
        if ($Inner.message -is [string]) { return $Inner.message }
        return $Detail
    }
    if ($Detail.message -is [string]) { return $Detail.message }
    return (ConvertTo-Json $Detail -Compress -Depth 10)
}

# The message of an error event, or of an error entry of a failed run.
function Get-ErrorText($Data) {
    if ($Data -is [string]) { return $Data }
    foreach ($Text in @($Data.error, $Data.text, $Data.message, $Data.detail)) {
        if ($Text -is [string]) { return $Text }
    }
    return (ConvertTo-Json $Data -Compress -Depth 10)
}

"""

_ANSWER_V1 = """\
# The answer in a /api/v1/run reply: the text of each output, one per line.
function Get-Answer($Reply) {
    $Texts = foreach ($RunOutput in @($Reply.outputs)) {
        foreach ($Result in @($RunOutput.outputs)) {
            foreach ($Text in @($Result.results.message.text, $Result.results.text.text,
                                $Result.outputs.message.message, $Result.artifacts.message)) {
                if ($Text -is [string]) { $Text; break }
            }
        }
    }
    return (@($Texts) -join "`n")
}

"""

_ANSWER_V2 = """\
# The answer in a /api/v2/workflows reply: output.text, else the content of each output.
function Get-Answer($Reply) {
    if ($Reply.output.text -is [string]) { return $Reply.output.text }
    $Texts = foreach ($Property in @($Reply.outputs.PSObject.Properties)) {
        if ($Property.Value.content -is [string]) { $Property.Value.content }
    }
    return (@($Texts) -join "`n")
}

"""

_PLAIN = """\
try {
    $Response = Invoke-WebRequest -Uri $Url -Method Post -Headers $Headers -UseBasicParsing `
        -ContentType 'application/json; charset=utf-8' `
        -Body ([System.Text.Encoding]::UTF8.GetBytes($Body))
} catch {
    $Status = $null
    if ($_.Exception.Response) { $Status = [int]$_.Exception.Response.StatusCode }
    if (-not $Status) {
        [Console]::Error.WriteLine($_.Exception.Message)
        exit 1
    }
    $Raw = $_.Exception.Message
    if ($_.ErrorDetails -and $_.ErrorDetails.Message) { $Raw = $_.ErrorDetails.Message }
    [Console]::Error.WriteLine("HTTP ${Status}: $(Get-ErrorDetail $Raw)")
    exit 1
}
$Reply = [System.Text.Encoding]::UTF8.GetString($Response.RawContentStream.ToArray()) | ConvertFrom-Json
"""

_PLAIN_V2_FAILED = """\
# A v2 run that failed still answers HTTP 200, with status "failed" and its errors.
if ($Reply.status -eq 'failed') {
    $Errors = @($Reply.errors | Where-Object { $null -ne $_ })
    if ($Errors.Count -eq 0) { $Errors = @('the run failed') }
    foreach ($Item in $Errors) { [Console]::Error.WriteLine((Get-ErrorText $Item)) }
    exit 1
}
"""

_STREAM_STATE = """\
# Prints the answer from stream events as it arrives, each piece once: tokens as they
# come; a finished message only the part of its text its tokens did not already print
# (so a model that does not stream still shows its answer, and nothing shows twice).
$script:Printed = @{}  # message id -> the part of its text printed so far
$script:LastId = $null
$script:Outputs = [System.Collections.Generic.List[string]]::new()  # v2 "output" events
$script:Reply = $null  # a whole reply instead of events (Langflow before 1.1.2)
$script:Ended = $false

function Show-Text([string]$Id, $Text) {
    if ($Text -isnot [string] -or $Text.Length -eq 0) { return }
    if ($script:Printed.Count -gt 0 -and $Id -cne $script:LastId) {
        [Console]::Out.Write("`n")  # a new message starts on a new line
    }
    [Console]::Out.Write($Text)
    [Console]::Out.Flush()
    $script:Printed[$Id] = [string]$script:Printed[$Id] + $Text
    $script:LastId = $Id
}

function Show-Event($Item) {
    $Data = $Item.data
    switch -CaseSensitive ($Item.event) {
        'token' { Show-Text $Data.id $Data.chunk }
        'add_message' {
            $Text = $Data.text
            if ($Data.sender -cne 'User' -and $Data.properties.state -cne 'partial' -and $Text -is [string]) {
                $Done = [string]$script:Printed[[string]$Data.id]
                if ($Text.StartsWith($Done, [System.StringComparison]::Ordinal)) {
                    Show-Text $Data.id ($Text.Substring($Done.Length))
                }
            }
        }
        'output' { if ($Data.content -is [string]) { $script:Outputs.Add($Data.content) } }
        'end' {
            $script:Ended = $true
            if ($script:Printed.Count -eq 0) {
                if ($null -ne $Data.result) { Show-Text 'end' (Get-Answer $Data.result) }
                else { Show-Text 'end' ($script:Outputs -join "`n") }
            }
        }
        'error' {
            if ($script:Printed.Count -gt 0) { [Console]::Out.WriteLine() }
            [Console]::Error.WriteLine('Error: ' + (Get-ErrorText $Data))
            exit 1
        }
        default {
            if ($null -eq $Item.event -and $null -ne $Item.outputs) { $script:Reply = $Item }
        }
    }
}

"""

_STREAM_SEND = """\
Add-Type -AssemblyName System.Net.Http
$Client = [System.Net.Http.HttpClient]::new()
$Client.Timeout = [System.Threading.Timeout]::InfiniteTimeSpan
$Request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $Url)
foreach ($Name in $Headers.Keys) {
    [void]$Request.Headers.TryAddWithoutValidation($Name, $Headers[$Name])
}
$Request.Content = [System.Net.Http.StringContent]::new($Body, [System.Text.Encoding]::UTF8, 'application/json')
try {
    $Response = $Client.SendAsync(
        $Request, [System.Net.Http.HttpCompletionOption]::ResponseHeadersRead
    ).GetAwaiter().GetResult()
} catch {
    [Console]::Error.WriteLine($_.Exception.Message)
    exit 1
}
$Stream = $Response.Content.ReadAsStreamAsync().GetAwaiter().GetResult()
$Reader = [System.IO.StreamReader]::new($Stream, [System.Text.Encoding]::UTF8)
if (-not $Response.IsSuccessStatusCode) {
    [Console]::Error.WriteLine("HTTP $([int]$Response.StatusCode): $(Get-ErrorDetail $Reader.ReadToEnd())")
    exit 1
}
"""

_STREAM_READ_V1 = """\
# Langflow's /api/v1/run stream is NOT server-sent events despite its text/event-stream
# type: one JSON object per line, blank lines between them.
while ($null -ne ($Line = $Reader.ReadLine())) {
    if ($Line.Trim()) { Show-Event (ConvertFrom-Json $Line) }
}
"""

_STREAM_LEGACY = """\
# Langflow before 1.1.2 answers with its whole reply, not events: the answer streams from the
# stream_url it names (server-sent events: a chunk of it in each "message", then "close").
if ($null -ne $script:Reply) {
    $Path = @($script:Reply.outputs | ForEach-Object { $_.outputs } | ForEach-Object { $_.artifacts.stream_url } |
        Where-Object { $_ -is [string] -and $_.StartsWith('/api/', [System.StringComparison]::Ordinal) })[0]
    if ($null -eq $Path) {  # nothing left to stream: the answer is in the reply
        Show-Event ([pscustomobject]@{ event = 'end'; data = [pscustomobject]@{ result = $script:Reply } })
    } else {
        $Request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Get, @API_ROOT@ + $Path.Substring(4))
        foreach ($Name in $Headers.Keys) {
            [void]$Request.Headers.TryAddWithoutValidation($Name, $Headers[$Name])
        }
        $Response = $Client.SendAsync(
            $Request, [System.Net.Http.HttpCompletionOption]::ResponseHeadersRead
        ).GetAwaiter().GetResult()
        $Reader = [System.IO.StreamReader]::new($Response.Content.ReadAsStreamAsync().GetAwaiter().GetResult(), [System.Text.Encoding]::UTF8)
        if (-not $Response.IsSuccessStatusCode) {
            [Console]::Error.WriteLine("HTTP $([int]$Response.StatusCode): $(Get-ErrorDetail $Reader.ReadToEnd())")
            exit 1
        }
        $SseEvent = 'message'
        while ($null -ne ($Line = $Reader.ReadLine())) {
            if ($Line.StartsWith('event:', [System.StringComparison]::Ordinal)) {
                $SseEvent = $Line.Substring(6).Trim()
            } elseif ($Line.StartsWith('data:', [System.StringComparison]::Ordinal)) {
                $Data = ConvertFrom-Json $Line.Substring(5)
                if ($SseEvent -ceq 'close') {
                    Show-Event ([pscustomobject]@{ event = 'end'; data = [pscustomobject]@{} })
                    break
                }
                if ($SseEvent -ceq 'error') { Show-Event ([pscustomobject]@{ event = 'error'; data = $Data }) }
                else { Show-Text 'stream_url' $Data.chunk }
            } elseif ($Line -eq '') {
                $SseEvent = 'message'
            }
        }
    }
}
"""

_STREAM_FINISH = """\
if (-not $script:Ended) {
    if ($script:Printed.Count -gt 0) { [Console]::Out.WriteLine() }
    [Console]::Error.WriteLine('No answer: the stream ended before the run did')
    exit 1
}
[Console]::Out.WriteLine()
"""

_STREAM_READ_V2 = """\
# The /api/v2/workflows stream: server-sent events whose "data:" holds one JSON object.
$DataLines = [System.Collections.Generic.List[string]]::new()
while ($null -ne ($Line = $Reader.ReadLine())) {
    if ($Line.StartsWith('data:', [System.StringComparison]::Ordinal)) {
        $Value = $Line.Substring(5)
        if ($Value.StartsWith(' ', [System.StringComparison]::Ordinal)) { $Value = $Value.Substring(1) }
        $DataLines.Add($Value)
    } elseif ($Line -eq '' -and $DataLines.Count -gt 0) {
        Show-Event (ConvertFrom-Json ($DataLines -join "`n"))
        $DataLines.Clear()
    }
}
"""


def render(request: RunRequest, options: RenderOptions) -> str:
    if options.inline_token:
        key = f"$ApiKey = {ps_quote(options.inline_token)}  # a secret: see the warning above\n"
    else:
        key = fill(_KEY_ENV, {"ENV": key_env(options)})
    headers = [
        f"    {ps_quote(name)} = {ps_quote(value)}\n"
        for name, value in request.headers().items()
        if name.lower() != "content-type"  # set with the body
    ]
    prefix = request.connection.auth_prefix
    auth = f"{ps_quote(prefix)} + $ApiKey" if prefix else "$ApiKey"
    headers.append(f"    {ps_quote(request.connection.auth_header)} = {auth}\n")
    v1 = request.api == "v1"
    helpers = [_ERRORS, _ANSWER_V1 if v1 else _ANSWER_V2]
    if request.stream:
        helpers += [_STREAM_STATE, _STREAM_SEND, _STREAM_READ_V1 if v1 else _STREAM_READ_V2]
        if v1:
            helpers.append(fill(_STREAM_LEGACY, {"API_ROOT": ps_quote(request.connection.api_root)}))
        helpers.append(_STREAM_FINISH)
    else:
        helpers += [_PLAIN, "" if v1 else _PLAIN_V2_FAILED, "Write-Output (Get-Answer $Reply)\n"]
    note = "For PowerShell 7 and Windows PowerShell 5.1, e.g.: powershell -File run-flow.ps1"
    return fill(
        _PROGRAM,
        {
            "HEADER": "\n".join(hash_header(request, options, [note])),
            "TLS": _TLS if request.url.lower().startswith("https:") else "",
            "URL": ps_quote(request.url),
            "KEY": key,
            "HEADERS": "".join(headers),
            "BODY": body_json(request, ascii_only=True),
            "HELPERS": "".join(helpers),
        },
    )


_SHORT = """\
@HEADER@
$ErrorActionPreference = 'Stop'
$Body = @BODY@
@CALL@"""

_SHORT_PLAIN = """\
$Reply = Invoke-RestMethod -Method Post -Uri @URL@ `
    -ContentType 'application/json' -Headers @{ @AUTH_NAME@ = @AUTH_VALUE@ } -Body $Body
@CHECK@$Reply@PATH@
"""

_SHORT_V2_FAILED = """\
if ($Reply.status -eq 'failed') { throw "The run failed: $($Reply.errors | ConvertTo-Json -Compress)" }
"""

_SHORT_STREAM = """\
$Request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Post, @URL@)
$Request.Headers.Add(@AUTH_NAME@, @AUTH_VALUE@)
$Request.Content = [Net.Http.StringContent]::new($Body, [Text.Encoding]::UTF8, 'application/json')
$Response = [Net.Http.HttpClient]::new().SendAsync($Request, 'ResponseHeadersRead').GetAwaiter().GetResult()
$Reader = [IO.StreamReader]::new($Response.EnsureSuccessStatusCode().Content.ReadAsStream())
while ($null -ne ($Line = $Reader.ReadLine())) {
    $Item = @PARSE@
    switch ($Item.event) {
        'token' { [Console]::Write($Item.data.chunk); $Answer += $Item.data.chunk }
        'error' { throw "Error: $($Item.data.error)" }
@END@    }
}
throw @NO_ANSWER@
"""

# No tokens (a model that does not stream): the answer is in the end event's result (v1), in
# an output event (v2).
_SHORT_END_V1 = """\
        'end' { if (-not $Answer) { [Console]::Write($Item.data.result@PATH@) }; [Console]::WriteLine(); exit 0 }
"""

_SHORT_END_V2 = """\
        'output' { if (-not $Answer) { $Answer = $Item.data.content; [Console]::Write($Answer) } } 'end' { [Console]::WriteLine(); exit 0 }
"""


def render_short(request: RunRequest, options: RenderOptions) -> str:
    prefix = request.connection.auth_prefix
    if options.inline_token:
        auth = ps_quote(prefix + options.inline_token)
    else:
        auth = f'"{prefix}$env:{key_env(options)}"' if prefix else f"$env:{key_env(options)}"
    v1 = request.api == "v1"
    path = dotted(answer_keys(request))
    values = {
        "URL": ps_quote(request.url),
        "AUTH_NAME": ps_quote(request.connection.auth_header),
        "AUTH_VALUE": auth,
        "PATH": path,
    }
    if request.stream:
        values["PARSE"] = (
            "if ($Line) { ConvertFrom-Json $Line }"
            if v1
            else "if ($Line.StartsWith('data:')) { ConvertFrom-Json $Line.Substring(5) }"
        )
        values["END"] = fill(_SHORT_END_V1 if v1 else _SHORT_END_V2, values)
        values["NO_ANSWER"] = ps_quote(NO_ANSWER)
        call = fill(_SHORT_STREAM, values)
    else:
        values["CHECK"] = "" if v1 else _SHORT_V2_FAILED
        call = fill(_SHORT_PLAIN, values)
    what = "prints its answer as it streams in" if request.stream else "prints its answer"
    header = f"# Runs {flow_title(request)} and {what}. Needs PowerShell 7."
    body = body_json(request, ascii_only=True)  # ASCII: nothing in it for a code page to change
    return fill(
        _SHORT,
        {
            "HEADER": f"{secret_warning('#')}\n{header}" if options.inline_token else header,
            "BODY": "'" + body.replace("'", "''") + "'",
            "CALL": call,
        },
    )


GENERATOR = Generator(
    name="powershell", label="PowerShell",
    lexer="powershell", extension=".ps1", streams=True, render_fn=render, short_fn=render_short,
)
