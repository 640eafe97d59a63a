"""TokenStore against a real Secret Service: gnome-keyring in a private D-Bus session.

The test re-executes a small script under ``dbus-run-session`` with a throw-away HOME and
XDG_RUNTIME_DIR, so the user's own keyring and session bus are never touched. The daemon is
started with ``--unlock`` and a password on stdin: that creates and unlocks a ``login``
collection without any prompt, which is what makes it work headless. A locked collection is
checked too: the unlock prompt cannot show (no display), so the store must fall back to memory.

tests/run.sh installs dbus and gnome-keyring: without them the test fails, it never skips.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from helpers.tools import require_tools

import lfdesk

SCRIPT = textwrap.dedent(
    """
    import os
    import signal
    import sys
    import time

    import secretstorage
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import Proxy
    from keyring.backends import SecretService

    from lfdesk.core.secrets import TokenStore

    BUS_NAME = "org.freedesktop.secrets"
    PROFILE = "lfdesk-test-profile"
    TOKEN = "sk-lf-secret-service-" + "0123456789abcdef"


    def wait_until_ready():
        # NameHasOwner, not secretstorage.check_service_availability: that one is also true
        # when the service is merely activatable, and a call then would let D-Bus start a
        # second, locked daemon. Wait for ours to own the name and unlock "login" too.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with secretstorage.dbus_init() as connection:
                if Proxy(message_bus, connection).NameHasOwner(BUS_NAME)[0] == 1:
                    try:
                        if not secretstorage.Collection(connection).is_locked():
                            return
                    except secretstorage.exceptions.ItemNotFoundException:
                        pass
            time.sleep(0.05)
        sys.exit("the Secret Service never became ready on the session bus")


    def stop_daemon():
        # gnome-keyring-daemon may outlive a very short session; stop it ourselves.
        with secretstorage.dbus_init() as connection:
            bus = Proxy(message_bus, connection)
            if bus.NameHasOwner(BUS_NAME)[0] != 1:
                return
            pid = bus.GetConnectionUnixProcessID(BUS_NAME)[0]
        print(f"daemon pid {pid}")
        os.kill(pid, signal.SIGTERM)


    def check():
        store = TokenStore(SecretService.Keyring())
        assert "Secret Service" in store.backend_name(), store.backend_name()
        assert store.get(PROFILE) is None
        store.set(PROFILE, TOKEN)
        assert store.is_persistent(), store.fallback_reason
        assert store.fallback_reason is None, store.fallback_reason

        # A second store (new connections) reads what the first one saved, where keyring
        # says it would be: service "lfdesk", username = profile name.
        again = TokenStore(SecretService.Keyring())
        assert again.get(PROFILE) == TOKEN
        with secretstorage.dbus_init() as connection:
            query = {"service": "lfdesk", "username": PROFILE}
            items = list(secretstorage.search_items(connection, query))
            assert len(items) == 1, items
            assert items[0].get_secret() == TOKEN.encode()

        assert store.delete(PROFILE) is True
        assert again.get(PROFILE) is None
        assert store.delete(PROFILE) is False
        assert store.is_persistent(), store.fallback_reason
        print(store.backend_name())

        # A locked collection cannot be unlocked without a prompt (no display here): the
        # store must fall back to memory quickly instead of hanging or raising.
        with secretstorage.dbus_init() as connection:
            secretstorage.get_default_collection(connection).lock()
        locked = TokenStore(SecretService.Keyring())
        locked.set(PROFILE, TOKEN)
        assert locked.get(PROFILE) == TOKEN
        assert not locked.is_persistent()
        reason = locked.fallback_reason or ""
        assert reason.startswith("No OS keyring is available"), reason
        assert TOKEN not in reason, reason
        print(reason)


    try:
        wait_until_ready()
        check()
    finally:
        stop_daemon()
    print("OK")
    """
)


def _exited(pid: int) -> bool:
    """True once ``pid`` is gone or a zombie (some container inits reap orphans late)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _wait_gone(pid: int, seconds: float = 5.0) -> None:
    """Make sure the daemon the script reported has exited (SIGKILL it if it has not)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _exited(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def test_token_store_with_real_secret_service(tmp_path: Path, os_keyring: object) -> None:
    # os_keyring: this test opts in to a real Secret Service (its own, in a private session)
    require_tools("dbus-run-session", "gnome-keyring-daemon", debian="dbus gnome-keyring")
    script = tmp_path / "secret_service_check.py"
    script.write_text(SCRIPT)
    home = tmp_path / "home"
    runtime = tmp_path / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    repo = Path(lfdesk.__file__).resolve().parent.parent

    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing that points at the user's session, display, or keyring choice.
        if not key.startswith(("DBUS_", "XDG_", "GNOME_KEYRING", "PYTHON_KEYRING", "SSH_AUTH"))
        and key not in ("DISPLAY", "WAYLAND_DISPLAY", "HOME", "PYTHONPATH")
    }
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        LFDESK_HOME=str(home / "lfdesk"),
        PYTHONPATH=str(repo),
    )
    inner = (
        "printf %s lfdesk-test-password | gnome-keyring-daemon --unlock --components=secrets "
        '>/dev/null && exec "$0" "$1"'
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", inner, sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    for pid in re.findall(r"^daemon pid (\d+)$", result.stdout, flags=re.MULTILINE):
        _wait_gone(int(pid))
    assert result.returncode == 0, report
    assert result.stdout.splitlines()[-1:] == ["OK"], report
    assert "Secret Service" in result.stdout, report
    assert "KeyringLocked" in result.stdout, report
    # The secret went to gnome-keyring's (encrypted) store in the throw-away HOME, and no
    # file anywhere in it holds the token in clear.
    assert (home / ".local" / "share" / "keyrings").is_dir(), report
    needle = b"sk-lf-secret-service-0123456789abcdef"
    leaks = [p for p in home.rglob("*") if p.is_file() and needle in p.read_bytes()]
    assert leaks == [], leaks
