"""How well the tamper detector holds on real roads (issue 15): the simulator's journeys on the route
library's corridors, devices and networks with their faults, attacks sized over and just under each
threshold. Runs the pure core (`tamper.detect`) and prints precision, recall, the share of honest journeys
alerted, the evasions, per attack kind, and the minutes from each attack to its first alert.

    PYTHONPATH=src python benchmarks/bench_seals_road.py [--journeys 600] [--seed 15] [--reuse-rate 0.1]

Time to alert: each attacked journey's reports are replayed in the order they were received, with the sweep
(`now`) run every 5 minutes; the alert time is the first moment at which the detector raises one of the
rules that must find the attack (found by bisection over those moments)."""

from __future__ import annotations

import argparse
import bisect
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from clearway.containers import synthetic  # noqa: E402
from clearway.containers.score import score  # noqa: E402
from clearway.containers.tamper import detect  # noqa: E402
from clearway.containers.thresholds import DetectorConfig  # noqa: E402

SWEEP = 300.0  # seconds between sweeps (`clearway seals sweep` every 5 minutes)


def first_alert(sim, cfg: DetectorConfig) -> float | None:
    reports = sorted(sim.reports + sim.foreign, key=lambda r: r.received_at)
    if sim.tamper_at is None or not reports:
        return None
    times = sorted({r.received_at for r in reports if r.received_at >= sim.tamper_at}
                   | {sim.tamper_at + k * SWEEP for k in range(1, 100)})
    received = [r.received_at for r in reports]
    want = set(sim.rules)

    def raised(t: float) -> bool:
        seen = reports[:bisect.bisect_right(received, t)]
        return any(a.rule in want for a in detect(sim.journey, seen, cfg, now=t))

    lo, hi = 0, len(times) - 1
    if not raised(times[hi]):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if raised(times[mid]):
            hi = mid
        else:
            lo = mid + 1
    return times[lo] - sim.tamper_at


def run(journeys: int, seed: int, reuse_rate: float) -> dict:
    cfg = DetectorConfig()
    sims = synthetic.fleet(random.Random(seed), journeys=journeys, tamper_rate=0.5, fault_rate=0.6,
                           start=1.8e9, reuse_rate=reuse_rate)
    t0 = time.perf_counter()
    alerts = [(s.journey.seal_id, a.rule) for s in sims for a in detect(s.journey, s.reports + s.foreign, cfg)]
    seconds = time.perf_counter() - t0
    latency = {}
    for s in sims:
        if s.rules:
            found = first_alert(s, cfg)
            if found is not None:
                latency[s.journey.seal_id] = found
    result = score([s.truth() for s in sims], alerts, latency)
    by_kind: dict[str, list[float]] = {}
    for s in sims:
        if s.journey.seal_id in latency:
            by_kind.setdefault(s.kind, []).append(latency[s.journey.seal_id] / 60)
    for kind, values in by_kind.items():
        values.sort()
        result["per_kind"][kind]["median_minutes_to_alert"] = round(values[len(values) // 2], 1)
    events = sum(len(s.reports) + len(s.foreign) for s in sims)
    routes: dict[str, int] = {}
    for s in sims:
        routes[s.route_name or "drawn"] = routes.get(s.route_name or "drawn", 0) + 1
    result["detect_events_per_second"] = round(events / seconds)
    result["events"], result["routes"] = events, routes
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--journeys", type=int, default=600)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--reuse-rate", type=float, default=0.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = run(args.journeys, args.seed, args.reuse_rate)
    result.pop("mismatches") if not args.json else None
    print(f"# {platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"journeys {result['journeys']}, events {result['events']}: precision {result['precision']}, recall "
          f"{result['recall']}, honest alerted {result['honest_alerted']}, evasive flagged "
          f"{result['evasive']['flagged']}/{result['evasive']['journeys']}, minutes to alert "
          f"{result.get('minutes_to_alert')}, detect {result['detect_events_per_second']} events/s")
    print("| attack | journeys | flagged | share | median minutes to alert |")
    print("| --- | --- | --- | --- | --- |")
    for kind, k in result["per_kind"].items():
        print(f"| {kind} | {k['journeys']} | {k['flagged']} | {k['share_flagged']} | "
              f"{k.get('median_minutes_to_alert', '-')} |")
    print("| rule | precision | recall | tp | fp | fn |")
    print("| --- | --- | --- | --- | --- | --- |")
    for rule, m in result["per_rule"].items():
        print(f"| {rule} | {m['precision']} | {m['recall']} | {m['tp']} | {m['fp']} | {m['fn']} |")


if __name__ == "__main__":
    main()
