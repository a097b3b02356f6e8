"""Server CPU a request, for the three yardsticks of issues 16 and 18: `GET /healthz`, a read
(`GET /api/v1/declarations/{mrn}`) and a lodgement (`POST /api/v1/declarations`, a two-item declaration).

    python benchmarks/bench_cpu.py [--n 400] [--backend sqlite|postgresql] [--rounds 3]

One `clearway serve` process (uvicorn, one worker, no access log, no per-key rate limit) on a fresh database,
driven by one sequential keep-alive client. The figure is the server process's own CPU time (user + system,
from /proc) over n requests, divided by n: unlike requests per second it does not depend on what else the
shared 2 cores are running. The best of --rounds rounds is printed (the others are noise added, never taken).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import tempfile
from pathlib import Path

import httpx

from bench_lodge import cpu_seconds, docs, fresh_url, prepare, start_server


def per_request(pid: int, n: int, send) -> float:
    """Server CPU ms a request over n calls of send(i)."""
    before = cpu_seconds(pid)
    for i in range(n):
        send(i)
    return 1000 * (cpu_seconds(pid) - before) / n


def measure(backend: str, n: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_url(backend, Path(tmp))
        key, _ = prepare(url)
        proc, base = start_server(url)
        try:
            headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
            bodies = [json.dumps(d).encode() for d in docs(n * (rounds + 1), "cpu", two_items=True)]
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                def ok(r: httpx.Response, status: int) -> httpx.Response:
                    if r.status_code != status:
                        raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:300]}")
                    return r
                mrn = ok(client.post("/api/v1/declarations", content=bodies[-1]), 201).json()["mrn"]
                for i in range(20):  # warm up each path: first calls load modules and fill caches
                    ok(client.get("/healthz"), 200)
                    ok(client.get(f"/api/v1/declarations/{mrn}"), 200)
                    ok(client.post("/api/v1/declarations", content=bodies[-2 - i]), 201)
                out: dict[str, float] = {}
                for r in range(rounds):
                    figures = {
                        "healthz": per_request(proc.pid, n, lambda i: ok(client.get("/healthz"), 200)),
                        "read": per_request(proc.pid, n, lambda i: ok(
                            client.get(f"/api/v1/declarations/{mrn}"), 200)),
                        "lodge": per_request(proc.pid, n, lambda i, r=r: ok(
                            client.post("/api/v1/declarations", content=bodies[r * n + i]), 201)),
                    }
                    for name, ms in figures.items():
                        out[name] = min(out.get(name, ms), ms)
                return out
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    figures = measure(args.backend, args.n, args.rounds)
    print(f"load average {os.getloadavg()[0]:.1f}; server CPU ms a request ({args.backend}, best of "
          f"{args.rounds} x {args.n}): " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
