"""serverfit: which snippet choices will not work on the connected server, and why."""

from __future__ import annotations

import pytest

from lfdesk.core.serverfit import fit_warnings


@pytest.mark.parametrize("version", [None, "", "not a version", "1.13.0", "1.14.2.dev3", "2.0"])
@pytest.mark.parametrize("api", ["v1", "v2"])
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("full", [False, True])
def test_a_new_or_unknown_server_gets_no_warning(
    version: str | None, api: str, stream: bool, full: bool
) -> None:
    assert fit_warnings(version, api, stream, full=full) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["1.0.19.post2", "1.1.1", "1.2.0", "1.8.0", "1.12.9"])
@pytest.mark.parametrize("stream", [False, True])
def test_v2_before_1_13_may_not_be_there(version: str, stream: bool) -> None:
    notes = fit_warnings(version, "v2", stream, full=False)
    assert len(notes) == 1  # the v2 warning only: a stream_url note would not apply to v2
    assert notes[0].startswith(f"Langflow {version} may not have the v2 workflows API")
    assert "1.13" in notes[0] and "v1 works" in notes[0]
    assert fit_warnings(version, "v2", stream, full=True) == notes  # no form can fix it
    assert fit_warnings(version, "v1", False, full=False) == []


@pytest.mark.parametrize("version", ["1.0.19.post2", "1.1.0", "1.1.1"])
def test_a_short_stream_before_1_1_2_fails_with_a_reason(version: str) -> None:
    notes = fit_warnings(version, "v1", True, full=False)
    assert notes == [
        f"Langflow {version} answers a stream request with JSON holding a stream_url, not "
        "with events (streaming events came in 1.1.2): this short snippet stops there with a "
        "one-line reason. The Full form follows the stream_url; or turn Stream off."
    ]
    assert fit_warnings(version, "v1", True, full=True) == []  # the full form follows it
    assert fit_warnings(version, "v1", False, full=False) == []  # no stream, nothing to say


@pytest.mark.parametrize("version", ["1.1.2", "1.1.3", "1.5.0"])
def test_a_stream_from_1_1_2_on_is_fine(version: str) -> None:
    assert fit_warnings(version, "v1", True, full=False) == []


def test_datastax_v2_is_not_documented_whatever_the_version() -> None:
    for version in (None, "1.1.1", "1.13.0"):
        notes = fit_warnings(version, "v2", False, full=False, kind="datastax")
        assert len(notes) == 1 and "DataStax" in notes[0] and "/api/v1/run" in notes[0]
        assert fit_warnings(version, "v1", False, full=False, kind="datastax") == []


def test_a_target_with_no_server_is_never_warned_about() -> None:
    assert fit_warnings("1.1.1", "v2", True, full=False, target="python-local") == []
    assert fit_warnings("1.1.1", "v1", True, full=False, kind="datastax",
                        target="python-local") == []
    assert fit_warnings("1.1.1", "v1", True, full=False, target="curl")
