"""A batch's lines made ready for lodging in helper processes, while the server process writes the chunk before.

Reading a line as JSON, validating it, checking it against reference data and making its content, fingerprint and
rows (`declarations.core.Checked`) is some 40% of a batch line's CPU in the server process, and needs no database.
One process runs one line at a time (Python's interpreter lock): a batch on SQLite kept one core busy and left the
other idle. Here up to AHEAD chunks ahead of the one being written are made ready in helper processes (a process
pool, `Helpers`), and handed back as JSON (`Checked.plain`): reading that back costs the server about a fifth of
what making them ready did. Without helpers (none configured, or their pool broken) the lines are made ready in the
process that lodges them, with the same results (issue 16; measured in docs/benchmarks.md, "A batch's lines made
ready in a helper process").
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import orjson

from clearway.declarations import core
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import ClearwayError
from clearway.reference.hs import nomenclature
from clearway.validation import parse

_log = logging.getLogger(__name__)

Line = tuple[int, Any]  # (line number, the line: its JSON text as bytes, its document, or a str saying why it is none)
# (line number, the line as given, the LRN the document names as sent, the line made ready or its refusal: a result)
Ready = tuple[int, Any, Any, "core.Checked | dict[str, Any]"]

AHEAD = 2  # chunks made ready in the helpers beyond the one being written: the helpers never wait for the writer


def refused(line: int, lrn: Any, exc: ClearwayError | str) -> dict[str, Any]:
    """The result of a line refused (its line number, its LRN as sent), as a single lodgement would answer."""
    if isinstance(exc, str):
        return {"line": line, "lrn": lrn, "outcome": "refused", "status": 400, "reasons": [exc], "errors": []}
    errors = [{"path": e.path, "reason": e.reason} for e in exc.errors]
    return {"line": line, "lrn": lrn, "outcome": "refused", "status": exc.status,
            "reasons": [f"{e.path}: {e.reason}" for e in exc.errors] or [exc.detail], "errors": errors}


def lrn_of(doc: Any) -> Any:
    return doc.get("lrn") if isinstance(doc, dict) else None


def document(given: Any) -> Any:
    """The document of a line: JSON text (bytes) read, a JSON object kept, or a str saying why there is none.
    Anything else given as it is (`clearway submit` reads its lines itself: parse refuses an array or a number)."""
    if not isinstance(given, bytes | bytearray):
        return given
    try:
        doc = orjson.loads(given)
    except orjson.JSONDecodeError as exc:
        return f"not JSON: {exc}"
    return doc if isinstance(doc, dict) else "not a JSON object (one declaration per line)"


def made_ready(line: int, given: Any) -> tuple[Any, core.Checked | dict[str, Any]]:
    """(the LRN as sent, the line as lodging takes it or its refusal). Checks against reference data are findings
    of the Checked (refused at lodging, after the key's right to lodge it, as for a single lodgement)."""
    doc = document(given)
    if isinstance(doc, str):
        return None, refused(line, None, doc)
    try:
        return lrn_of(doc), core.checked(parse(DeclarationIn, doc))
    except ClearwayError as exc:
        return lrn_of(doc), refused(line, lrn_of(doc), exc)


def ready_here(part: list[Line]) -> list[Ready]:
    """A chunk's lines made ready in this process."""
    return [(line, given, *made_ready(line, given)) for line, given in part]


def ready_plain(part: list[Line]) -> bytes:
    """A chunk's lines made ready, as JSON (what a helper process sends back): [LRN, Checked.plain] or
    [LRN, None, refusal] a line."""
    enabled = gc.isenabled()
    gc.disable()  # (a chunk's objects are freed as it goes; see flows.lodging.collector_paused)
    try:
        out = []
        for line, given in part:
            lrn, made = made_ready(line, given)
            out.append([lrn, made.plain()] if isinstance(made, core.Checked) else [lrn, None, made])
        return orjson.dumps(out)
    finally:
        if enabled:
            gc.enable()


def read_plain(part: list[Line], text: bytes) -> list[Ready]:
    """`ready_plain`'s answer for `part`, read back."""
    return [(line, given, made[0], core.Checked.from_plain(made[1]) if made[1] is not None else made[2])
            for (line, given), made in zip(part, orjson.loads(text), strict=True)]


class Made:
    """A chunk's lines being made ready: by a helper of `pool` (`future`), or, when `result` is asked, in this
    process (no helper, or the helper failed)."""

    def __init__(self, part: list[Line], future: Future[bytes] | None = None, helpers: Helpers | None = None,
                 pool: ProcessPoolExecutor | None = None) -> None:
        self.part, self.future, self.helpers, self.pool = part, future, helpers, pool

    def result(self) -> list[Ready]:
        if self.future is not None and self.helpers is not None:
            try:
                return read_plain(self.part, self.future.result())
            except Exception as exc:  # noqa: BLE001 - made ready here instead; the helpers are started anew
                self.helpers.failed(exc, self.pool)
        return ready_here(self.part)


def _helper_started() -> None:
    """In each helper process: Ctrl-C is the server's to handle; the process ends when the server's does (a pool
    outlives a server killed outright otherwise, waiting on its queue); reference data loaded before the first
    chunk."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=lambda: (parent.join(), os._exit(0)), name="parent-watch", daemon=True).start()
    nomenclature()


def default_helpers() -> int:
    """Helper processes a server process keeps when the settings name none: one where the machine has more than
    one core (the other runs the server), else none."""
    return 1 if (os.cpu_count() or 1) > 1 else 0


class Helpers:
    """`processes` helper processes (0: none, lines made ready where they are lodged), started at `start` or with
    the first batch, in a pool of their own (spawned: the server's threads are not forked)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the processes now (the server's start), so that the first batch does not wait for them."""
        pool = self._started()
        if pool is not None:
            pool.submit(ready_plain, [])

    def close(self) -> None:
        """The processes ended, once the chunks given to them are made ready (they start again if asked)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def failed(self, exc: BaseException, pool: ProcessPoolExecutor | None) -> None:
        """A chunk the helpers of `pool` did not make ready (a process killed, say): its lines are made ready in
        this process, and the next chunk goes to a pool started anew (`pool` shut down, unless it was already)."""
        _log.warning("a batch helper failed (%s): the chunk's lines are made ready in the server process",
                     type(exc).__name__)
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor | None:
        if self.processes < 1:
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_helper_started)
            return self._pool

    def ahead(self, parts: Iterable[list[Line]], depth: int = AHEAD) -> Iterator[Made]:
        """Each of `parts` being made ready, in order; with helpers, up to `depth` more are given to them before
        one is yielded. Those not yet yielded when the caller stops are cancelled (their lines never lodged)."""
        if self._started() is None:
            yield from (Made(part) for part in parts)
            return
        queue: deque[Made] = deque()
        try:
            for part in parts:
                queue.append(self._given(part))
                if len(queue) > depth:
                    yield queue.popleft()
            while queue:
                yield queue.popleft()
        finally:
            for made in queue:
                if made.future is not None:
                    made.future.cancel()

    def _given(self, part: list[Line]) -> Made:
        """`part` given to a helper (of a pool started anew after a failure), or, if the pool broke meanwhile, to be
        made ready here."""
        pool = self._started()
        try:
            if pool is not None:
                return Made(part, pool.submit(ready_plain, part), self, pool)
        except RuntimeError as exc:  # (BrokenProcessPool, or shut down meanwhile)
            self.failed(exc, pool)
        return Made(part)


HERE = Helpers(0)  # no helpers: every line made ready where it is lodged
_SHARED: dict[int, Helpers] = {0: HERE}
_SHARED_LOCK = threading.Lock()


def shared(processes: int) -> Helpers:
    """This process's helpers, `processes` of them: one pool however many apps the process builds (the tests
    build hundreds), left to end with the process (concurrent.futures joins its pools at exit)."""
    with _SHARED_LOCK:
        return _SHARED.setdefault(processes, Helpers(processes))
