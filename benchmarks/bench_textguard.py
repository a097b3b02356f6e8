"""What the text guard (clearway.api.textguard) adds to a request: the time to check a 20,000-event seal
batch (about 3.3 MB of JSON) for control and bidirectional-override characters, against the time the
API spends parsing the same body anyway (json.loads).

    python benchmarks/bench_textguard.py [--events 20000] [--repeat 5]

Three bodies: plain ASCII (passed after one bytes.translate), one with JSON escapes in every event
(scanned, parsed and walked) and one with a NUL in the last event (refused, naming its path)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from clearway.api.textguard import body_errors  # noqa: E402
from timing import best  # noqa: E402


def events(n: int, **extra) -> list[dict]:
    return [{"seal_id": f"BULK-{i // 8:05d}", "seq": i % 8, "device_time": "2026-11-28T10:00:00Z", "lat": 1.0,
             "lon": 2.0, "status": "sealed", "battery": 80, "container": "CSQU3054383", **extra} for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    bad = events(args.events)
    bad[-1]["container"] = "CSQU3054383\x00"
    bodies = {"plain": json.dumps(events(args.events)).encode(),
              "escapes": json.dumps(events(args.events, note="Zürich")).encode(),
              "refused": json.dumps(bad).encode()}
    out = {}
    for name, body in bodies.items():
        guard = best(lambda body=body: body_errors(body, "application/json"), args.repeat)
        parse = best(lambda body=body: json.loads(body), args.repeat)
        out[name] = {"mb": round(len(body) / 1e6, 2), "guard_ms": round(guard * 1000, 1),
                     "json_loads_ms": round(parse * 1000, 1), "errors": len(body_errors(body, "application/json"))}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
