#!/usr/bin/env bash
# Set up everything the whole test suite needs, then run it: lint, types, unit, UI and live
# tests against a real Langflow 1.13 on loopback. Usage: bash tests/run.sh [pytest args...]
#   LFDESK_LIVE=0   skip the live suite (it is on by default and CI insists on it)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf '\n== %s\n' "$*"; }

# --- Debian packages: toolchains for snippet checks, Qt's runtime libraries, X and keyring ---
DEB_PKGS=(curl jq httpie xclip imagemagick golang-go mono-mcs mono-runtime libmono-system-net-http4.0-cil
  libmono-system-runtime-serialization4.0-cil libjackson2-databind-java
  default-jdk-headless nodejs npm xvfb xdotool gnome-keyring dbus dbus-x11
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 fonts-dejavu-core)
missing=()
for p in "${DEB_PKGS[@]}"; do
  case "$p" in
    nodejs|npm) command -v "${p/nodejs/node}" >/dev/null 2>&1 && continue ;;
    default-jdk-headless) command -v javac >/dev/null 2>&1 && continue ;;
  esac
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- lfdesk's own virtual environment -----------------------------------------------------
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
say "installing lfdesk with its test extras"
.venv/bin/python -m pip install -q --upgrade pip uv >/dev/null
.venv/bin/uv pip install --python .venv/bin/python -q -e ".[test]"

# --- the real Langflow 1.13 for the live suite (own venv, cached between runs) --------------
if [ "${LFDESK_LIVE:-1}" != 0 ]; then
  say "making sure Langflow 1.13.0 is installed (cached in ~/.cache/lfdesk)"
  .venv/bin/python -c "import sys; sys.path.insert(0, 'tests/live'); from langflow_server import ensure_langflow_venv; print(ensure_langflow_venv())"
fi

say "ruff"
.venv/bin/ruff check lfdesk tests
say "mypy --strict lfdesk (the core, the command line and the UI)"
.venv/bin/mypy --strict lfdesk

say "pytest"
mkdir -p test-artifacts
export QT_QPA_PLATFORM=offscreen
set +e
.venv/bin/python -m pytest tests -p no:cacheprovider -rs --junitxml=test-artifacts/junit.xml "$@" \
  2>&1 | tee test-artifacts/pytest.log
rc=${PIPESTATUS[0]}
set -e
if [ $rc -ne 0 ]; then exit $rc; fi

if [ "${LFDESK_LIVE:-1}" != 0 ]; then
  # The live suite must have run for real: count its tests and refuse any skip.
  .venv/bin/python - <<'PY'
import sys
import xml.etree.ElementTree as ET
cases = [c for c in ET.parse("test-artifacts/junit.xml").iter("testcase")
         if c.get("classname", "").startswith("tests.live") or "/live/" in (c.get("file") or "")]
skipped = [c for c in cases if c.find("skipped") is not None]
print(f"live suite: {len(cases)} tests, {len(skipped)} skipped")
if not cases or skipped:
    sys.exit("the live suite did not run in full (no tests, or some skipped)")
PY
fi
# pytest's own summary line closes the output, for whoever reads the last line
tail -n 1 test-artifacts/pytest.log
