"""Install and run a real Langflow 1.13.0 on loopback for the live tests.

``ensure_langflow_venv()`` makes (once, under a file lock) a separate virtualenv holding
``langflow==1.13.0``; ``LangflowServer`` starts it with a fresh config dir and database,
logs in as the superuser and makes an API key. Plain module: usable without pytest, e.g.
``python -m tests.live.langflow_server`` starts a server and prints its URL and key.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

# tests/ on the path for the shared helpers, however this module is loaded (pytest, run.sh's
# sys.path trick, ``python -m tests.live.langflow_server``).
_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from helpers.net import free_port  # noqa: E402

LANGFLOW_VERSION = "1.13.0"
STARTUP_TIMEOUT = 240.0
STOP_TIMEOUT = 15.0


def _log(msg: str) -> None:
    print(f"[lfdesk live] {msg}", file=sys.stderr, flush=True)


def langflow_venv_dir() -> Path:
    """``$LFDESK_LANGFLOW_VENV``, or ``~/.cache/lfdesk/langflow-1.13.0``."""
    env = os.environ.get("LFDESK_LANGFLOW_VENV")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "lfdesk" / f"langflow-{LANGFLOW_VERSION}"


def _venv_ok(venv: Path) -> bool:
    """True if ``venv`` has a ``langflow`` script and imports langflow at the right version."""
    if not (venv / "bin" / "langflow").exists() or not (venv / "bin" / "python").exists():
        return False
    check = "import importlib.metadata as m, langflow; print(m.version('langflow'))"
    try:
        out = subprocess.run(
            [str(venv / "bin" / "python"), "-c", check],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    version = out.stdout.strip().splitlines()[-1:] if out.returncode == 0 else []
    if version != [LANGFLOW_VERSION]:
        _log(f"langflow venv {venv} unusable (rc={out.returncode}, version={version})")
        return False
    return True


def _run(cmd: list[str]) -> None:
    _log("$ " + " ".join(cmd))
    subprocess.run(cmd, check=True, stdout=sys.stderr, stderr=sys.stderr)


def ensure_langflow_venv() -> Path:
    """Return a virtualenv with ``langflow==1.13.0``, creating or repairing it if needed.

    A lock file next to the venv keeps two processes (e.g. pytest-xdist workers) from
    installing at the same time. The install is about 1.8 GB and takes a few minutes.
    """
    venv = langflow_venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    lock_path = venv.parent / f".{venv.name}.lock"
    with lock_path.open("w") as lock:
        _log(f"checking the Langflow venv at {venv} (lock {lock_path})")
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _venv_ok(venv):
                return venv
            if venv.exists():
                if not (venv / "pyvenv.cfg").exists() and any(venv.iterdir()):
                    raise RuntimeError(
                        f"{venv} exists and is not a virtualenv; refusing to delete it "
                        "(set LFDESK_LANGFLOW_VENV elsewhere)"
                    )
                _log(f"removing the broken venv {venv}")
                shutil.rmtree(venv)
            _log(f"installing langflow=={LANGFLOW_VERSION} into {venv} (takes a few minutes)")
            started = time.monotonic()
            python = os.environ.get("LFDESK_LANGFLOW_PYTHON", "python3")
            _run([python, "-m", "venv", str(venv)])
            _run([str(venv / "bin" / "pip"), "install", "--quiet", "uv"])
            _run(
                [
                    str(venv / "bin" / "uv"),
                    "pip",
                    "install",
                    "--python",
                    str(venv / "bin" / "python"),
                    f"langflow=={LANGFLOW_VERSION}",
                ]
            )
            if not _venv_ok(venv):
                raise RuntimeError(
                    f"langflow=={LANGFLOW_VERSION} installed into {venv} but does not import"
                )
            _log(f"Langflow installed in {time.monotonic() - started:.0f} s")
            return venv
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _tail(path: Path, lines: int = 80) -> str:
    """The last ``lines`` lines of a log file, without colour codes."""
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"(no log: {e})"
    return "\n".join(_ANSI.sub("", text).splitlines()[-lines:])


class LangflowServer:
    """A Langflow process on loopback with a fresh database, a superuser and an API key.

    After ``start()``: ``base_url`` (``http://127.0.0.1:PORT``, no trailing slash),
    ``api_key`` (``sk-...``), ``access_token`` (JWT of the superuser), ``username``,
    ``password``, ``version``, ``log_path``, ``startup_seconds``.
    """

    def __init__(self, venv: Path | None = None, extra_env: dict[str, str] | None = None) -> None:
        self.venv = venv if venv is not None else langflow_venv_dir()
        self.extra_env = dict(extra_env or {})
        self.username = "admin"
        self.password = secrets.token_urlsafe(16)
        self.port = 0
        self.base_url = ""
        self.api_key = ""
        self.access_token = ""
        self.version = ""
        self.startup_seconds = 0.0
        self.tmpdir: Path | None = None
        self.log_path: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    # -- lifecycle -------------------------------------------------------------------------

    def _env(self, config_dir: Path) -> dict[str, str]:
        # Drop the caller's LANGFLOW_* settings (a developer's database URL, say): the
        # server must be hermetic.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LANGFLOW_")}
        no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1,localhost"]))
        env.update(
            {
                "LANGFLOW_SUPERUSER": self.username,
                "LANGFLOW_SUPERUSER_PASSWORD": self.password,
                "LANGFLOW_CONFIG_DIR": str(config_dir),
                # Without this the SQLite file lands inside the installed langflow package
                # and is shared by every run.
                "LANGFLOW_SAVE_DB_IN_CONFIG_DIR": "true",
                "LANGFLOW_AUTO_LOGIN": "false",
                "LANGFLOW_DO_NOT_TRACK": "true",
                "DO_NOT_TRACK": "true",
                "LANGFLOW_SSRF_ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Offline and quick: no starter projects, no models.dev / MCP start-up work,
                # LiteLLM's bundled cost map (its fetch retries cost ~7 s offline).
                "LANGFLOW_CREATE_STARTER_PROJECTS": "false",
                "LANGFLOW_MODELS_DEV_REFRESH": "false",
                "LANGFLOW_SKIP_MCP_AUTO_INIT": "true",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                # Otherwise it writes to /tmp/langflow_telemetry_outbox.
                "LANGFLOW_TELEMETRY_WRITER_OUTBOX_DIR": str(config_dir / "telemetry_outbox"),
                "NO_PROXY": no_proxy,
                "no_proxy": no_proxy,
                "PYTHONUNBUFFERED": "1",
                "NO_COLOR": "1",
                "COLUMNS": "200",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = STARTUP_TIMEOUT) -> LangflowServer:
        """Start the server, wait for ``/health``, log in and make an API key; returns self."""
        if self._proc is not None:
            raise RuntimeError("already started")
        self.tmpdir = Path(tempfile.mkdtemp(prefix="lfdesk-langflow-"))
        config_dir = self.tmpdir / "config"
        config_dir.mkdir()
        self.log_path = self.tmpdir / "langflow.log"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        cmd = [
            str(self.venv / "bin" / "langflow"),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--backend-only",
            "--no-open-browser",
        ]
        _log(f"starting Langflow: {' '.join(cmd)} (log {self.log_path})")
        started = time.monotonic()
        self._log_file = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            cmd,
            cwd=self.tmpdir,
            env=self._env(config_dir),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() gets the workers too
        )
        try:
            self._wait_healthy(timeout)
            self.startup_seconds = time.monotonic() - started
            _log(f"Langflow up at {self.base_url} after {self.startup_seconds:.1f} s")
            self._login()
        except BaseException:
            self.stop(keep_tmpdir=True)
            raise
        return self

    def _fail(self, why: str) -> RuntimeError:
        log = _tail(self.log_path) if self.log_path else ""
        return RuntimeError(f"Langflow {why}.\n--- last lines of {self.log_path} ---\n{log}")

    def _wait_healthy(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        last_error = ""
        with httpx.Client(timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                rc = self._proc.poll()
                if rc is not None:
                    raise self._fail(f"exited with code {rc} while starting")
                try:
                    r = client.get(f"{self.base_url}/health")
                    if r.status_code == 200 and r.json().get("status") == "ok":
                        return
                    last_error = f"{r.status_code} {r.text[:200]}"
                except (httpx.HTTPError, ValueError) as e:
                    last_error = repr(e)
                time.sleep(0.5)
        raise self._fail(f"did not become healthy within {timeout:.0f} s (last: {last_error})")

    def _login(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30, trust_env=False) as client:
            r = client.get("/api/v1/version")
            r.raise_for_status()
            self.version = r.json()["version"]
            r = client.post(
                "/api/v1/login", data={"username": self.username, "password": self.password}
            )
            if r.status_code != 200:
                raise self._fail(f"login failed: {r.status_code} {r.text}")
            self.access_token = r.json()["access_token"]
            r = client.post(
                "/api/v1/api_key/",
                json={"name": "lfdesk-live-tests"},
                headers={"Authorization": f"Bearer {self.access_token}"},
            )
            if r.status_code != 200:
                raise self._fail(f"API key creation failed: {r.status_code} {r.text}")
            self.api_key = r.json()["api_key"]

    def stop(self, keep_tmpdir: bool = False) -> None:
        """Stop the process group (SIGTERM, then SIGKILL after 15 s) and remove the temp dir.

        With ``keep_tmpdir`` the log stays for a post-mortem (used when start-up fails).
        """
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _log("Langflow did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT)
        if proc is not None:
            # Workers left behind in the group (the main process is gone by now).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.tmpdir is not None and not keep_tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self) -> LangflowServer:
        return self.start() if self._proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- API helpers -----------------------------------------------------------------------

    @property
    def headers(self) -> dict[str, str]:
        """``{"x-api-key": api_key}``."""
        return {"x-api-key": self.api_key}

    def log_tail(self, lines: int = 80) -> str:
        """The last lines of the server log."""
        return _tail(self.log_path, lines) if self.log_path else ""

    def create_flow(
        self, flow_json: dict[str, Any], endpoint_name: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        """Upload a flow (``POST /api/v1/flows/``) and return the server's reply (with ``id``).

        ``flow_json`` is an exported flow (``name``, ``description``, ``data``); its own
        ``id`` is not sent, so the server assigns a new one.
        """
        body = {
            "name": name or flow_json.get("name") or "Untitled",
            "description": flow_json.get("description") or "",
            "data": flow_json["data"],
            "endpoint_name": endpoint_name,
        }
        with httpx.Client(base_url=self.base_url, timeout=60, trust_env=False) as client:
            r = client.post("/api/v1/flows/", json=body, headers=self.headers)
        if r.status_code not in (200, 201):
            raise RuntimeError(f"creating flow {body['name']!r} failed: {r.status_code} {r.text}")
        result: dict[str, Any] = r.json()
        return result

    def delete_flow(self, flow_id: str) -> None:
        """Delete a flow by id (``DELETE /api/v1/flows/{id}``)."""
        with httpx.Client(base_url=self.base_url, timeout=60, trust_env=False) as client:
            r = client.delete(f"/api/v1/flows/{flow_id}", headers=self.headers)
        r.raise_for_status()


def main() -> None:  # pragma: no cover - manual use
    """Start a server, print how to reach it, and wait for Ctrl-C."""
    server = LangflowServer(ensure_langflow_venv()).start()
    try:
        print(f"LANGFLOW_URL={server.base_url}\nLANGFLOW_API_KEY={server.api_key}", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
