"""Benchmark of the headless core (issue: the foundation). Prints figures; not a test.

    python tests/bench_core.py

- parse + classify the largest starter flow vs json.loads of the same bytes (target <= 3x)
- render every snippet, both forms (short and full), from a RunRequest with 20 tweaks
  (target < 2 ms each)
- `lfdesk snippet ...` as a whole process (target < 0.3 s)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from helpers.data import DATA  # noqa: E402

from lfdesk.core import codegen  # noqa: E402
from lfdesk.core.flow import load_flow, parse_flow_bytes  # noqa: E402
from lfdesk.core.request import RunRequest  # noqa: E402
from lfdesk.core.tweaks import TweakSet  # noqa: E402


def best_of(fn, repeat: int = 30) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ok = True
    largest = max((DATA / "starter").glob("*.json"), key=lambda p: p.stat().st_size)
    raw = largest.read_bytes()
    t_json = best_of(lambda: json.loads(raw))
    t_parse = best_of(lambda: parse_flow_bytes(raw))
    ratio = t_parse / t_json
    ok &= ratio <= 3
    print(f"parse+classify {largest.name} ({len(raw) / 1e3:.0f} kB): {t_parse * 1e3:.2f} ms, "
          f"json.loads {t_json * 1e3:.2f} ms, ratio {ratio:.2f}x (target <= 3x) "
          f"{'OK' if ratio <= 3 else 'MISSED'}")

    flow = load_flow(largest)
    tweaks = TweakSet(flow)
    n = 0
    for comp in flow.components:
        for f in comp.tweakable_fields():
            if n >= 20:
                break
            if f.kind.value in ("text", "multiline", "prompt", "query"):
                tweaks.set(comp.id, f.name, f"value {n} with 'quotes' and $dollars")
                n += 1
    req = RunRequest(flow_ref=flow.run_ref, flow_id=flow.id, tweaks=tweaks.to_json(),
                     flow_path=str(largest), flow_name=flow.name)
    print(f"render with {len(tweaks)} tweaks (median of 200; target < 2 ms):")
    for name in codegen.names():
        gen = codegen.get(name)
        for full in (False, True) if gen.has_short else (True,):
            options = codegen.RenderOptions(full=full)
            for stream in (False, True):
                r = req.with_(stream=stream)
                gen.render(r, options)
                samples = []
                for _ in range(200):
                    t0 = time.perf_counter()
                    gen.render(r, options)
                    samples.append(time.perf_counter() - t0)
                med = statistics.median(samples) * 1e3
                ok &= med < 2
                print(f"  {name:<18} {'full ' if full else 'short'} {'stream' if stream else 'sync  '} "
                      f"{med:6.3f} ms {'OK' if med < 2 else 'MISSED'}")

    cmd = [sys.executable, "-m", "lfdesk", "snippet", str(DATA / "echo_chat.flow.json"),
           "--lang", "curl", "--tweak", "OpenAI.temperature=0.7"]
    subprocess.run(cmd, capture_output=True, check=True)
    runs = []
    for _ in range(10):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        runs.append(time.perf_counter() - t0)
    med = statistics.median(runs)
    ok &= med < 0.3
    print(f"`lfdesk snippet` process: median {med * 1e3:.0f} ms over 10 runs (target < 300 ms) "
          f"{'OK' if med < 0.3 else 'MISSED'}")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
