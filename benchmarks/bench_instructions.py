"""Instructions a request, counted by Valgrind's callgrind: `GET /healthz` and a lodgement (`POST
/api/v1/declarations`, a two-item declaration, full answer), in the same run, through the application in this
process (no HTTP server: uvicorn's own share, the same for both, is left out).

    python benchmarks/bench_instructions.py [--n 300] [--backend sqlite|postgresql]
    PYTHONPATH=/path/to/other/checkout/src python benchmarks/bench_instructions.py   # that code's count

Why: the VMs these figures are taken on change speed from one minute to the next (the same loop of Python took
0.41 to 0.68 s five times in a row on 2026-12-07), so a change of a few per cent in a lodgement's CPU is lost in
timings, however alternated. The instructions a request executes hardly move from one run to the next (about 1%
here: threads that run by the clock, the audit sealer and the log's checkpoints, are counted too), and compare
two versions of the code to a per cent. They are not time: a system call counts as one instruction, the kernel's
work nothing, so a change of what the operating system does (a thread hand-over, a write) is still measured by
time (bench_lodge.py, bench_cpu.py).

Needs `valgrind` (Debian package; it brings valgrind/callgrind.h) and a C compiler: a tiny library made at run
time switches the counting on around each measured loop. Without them it says so and counts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = Path("/usr/include/valgrind/callgrind.h")
SWITCH = """#include <valgrind/callgrind.h>
void count_from_here(void) { CALLGRIND_ZERO_STATS; CALLGRIND_START_INSTRUMENTATION; }
void count_to_here(void) { CALLGRIND_STOP_INSTRUMENTATION; CALLGRIND_DUMP_STATS; }
"""
WARM = 200  # requests of each kind before counting: caches filled, statements prepared


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300, help="requests of each kind counted")
    ap.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--inside", help=argparse.SUPPRESS)  # the switch library: run under valgrind
    args = ap.parse_args()
    if args.inside:
        asyncio.run(inside(args.n, args.backend, args.inside))
        return
    if not (shutil.which("valgrind") and shutil.which("cc") and HEADER.exists()):
        print("valgrind (with valgrind/callgrind.h) or a C compiler missing: nothing counted")
        return
    with tempfile.TemporaryDirectory() as tmp:
        source, library = Path(tmp) / "switch.c", Path(tmp) / "libswitch.so"
        source.write_text(SWITCH)
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
        done = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                               f"--callgrind-out-file={tmp}/counted.%p", sys.executable, __file__,
                               "--n", str(args.n), "--backend", args.backend, "--inside", str(library)],
                              env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"the counted run failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        dumps = sorted(Path(tmp).glob("counted.*.*"), key=lambda p: int(p.suffix[1:]))
        healthz, lodge = (totals(p) / args.n for p in dumps[:2])
    print(json.dumps({"backend": args.backend, "n": args.n, "healthz instructions": round(healthz),
                      "lodge instructions": round(lodge), "healthz / lodge": round(healthz / lodge, 3)}))


def totals(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"{dump}: no totals")


async def inside(n: int, backend: str, library: str) -> None:
    import ctypes

    sys.path.insert(0, str(Path(__file__).parent))
    from bench_lodge import docs, fresh_url, prepare

    switch = ctypes.CDLL(library)
    url = fresh_url(backend, Path(tempfile.mkdtemp()))
    key, _ = prepare(url)
    os.environ.update(CLEARWAY_DATABASE_URL=url, CLEARWAY_RATE_LIMIT="0", CLEARWAY_BATCH_HELPERS="0")
    from clearway.app import create_app

    app = create_app()
    body = json.dumps(docs(1, "x", two_items=True)[0])
    keyed = [(b"authorization", f"Bearer {key}".encode()), (b"content-type", b"application/json")]
    async with app.router.lifespan_context(app):
        for rounds, counted in ((WARM, False), (n, True)):
            for kind, path, method, status in (("healthz", "/healthz", "GET", 200),
                                               ("lodge", "/api/v1/declarations", "POST", 201)):
                if counted:
                    switch.count_from_here()
                for i in range(rounds):
                    got = await call(app, method, path, body.replace("x-0", f"{kind}-{counted}-{i}").encode(), keyed)
                    if got != status:
                        raise RuntimeError(f"{method} {path} answered {got}")
                if counted:
                    switch.count_to_here()


async def call(app, method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """One request through the ASGI application; its status."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), *headers], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 80)}
    given, status = False, 0

    async def receive() -> dict:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body if method == "POST" else b"", "more_body": False}
        await asyncio.Event().wait()  # (the client stays)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


if __name__ == "__main__":
    main()
