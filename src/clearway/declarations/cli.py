"""Lodging from files: one JSON declaration or JSON Lines, locally or over HTTP, with a progress
bar and a summary of what was accepted and refused (and why)."""

from __future__ import annotations

# Lazy imports: each command imports what it uses inside its function, so that `clearway --help` (which
# loads every domain's cli.py) stays free of lightgbm, polars, uvicorn and the HTTP client.

import json
from pathlib import Path
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.core import Principal
from clearway.cli_common import err, fail, out, principal_from_key, read_text, sessions
from clearway.db import transaction
from clearway.flows import lodging
from clearway.declarations.files import Doc, split_documents
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import ClearwayError, FieldError
from clearway.validation import parse

def _progress() -> Progress:
    return Progress(TextColumn("lodging"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err, transient=True, disable=not err.is_terminal)  # no blank line in logs


def _refused(line: int, lrn: Any, reasons: list[str]) -> dict[str, Any]:
    return {"line": line, "lrn": lrn, "outcome": "refused", "reasons": reasons}


Outcome = tuple[str, str, str, bool]  # (lrn, mrn, status, created)


def _each(docs: list[Doc], lodge_one: Callable[[dict[str, Any]], Outcome]) -> list[dict[str, Any]]:
    """Lodge every document with `lodge_one`, refusing a bad one alone, with a progress bar."""
    results = []
    with _progress() as bar:
        task = bar.add_task("lodging", total=len(docs))
        for line, doc in docs:
            if isinstance(doc, str):
                results.append(_refused(line, None, [doc]))
            else:
                try:
                    lrn, mrn, status, created = lodge_one(doc)
                    results.append({"line": line, "lrn": lrn, "mrn": mrn, "status": status,
                                    "outcome": "accepted" if created else "already lodged"})
                except ClearwayError as exc:
                    reasons = [f"{e.path}: {e.reason}" for e in exc.errors] or [exc.detail]
                    results.append(_refused(line, doc.get("lrn") if isinstance(doc, dict) else None, reasons))
            bar.advance(task)
    return results


def locally(docs: list[Doc], *, principal: Principal, factory: sessionmaker[Session],
            channel: str = "file") -> list[dict[str, Any]]:
    def lodge_one(doc: dict[str, Any]) -> Outcome:
        with transaction(factory) as session:
            row, created = lodging.lodge(session, principal=principal, decl=parse(DeclarationIn, doc), channel=channel)
            return row.lrn, row.mrn, row.status, created

    return _each(docs, lodge_one)


class Unreachable(Exception):
    """The Clearway at --url could not be reached (or answered something that is not Clearway)."""


def over_http(docs: list[Doc], *, url: str, key: str) -> list[dict[str, Any]]:
    import httpx

    if not url.lower().startswith(("http://", "https://")):
        raise Unreachable(f"--url: {url!r} must start with http:// or https://")
    sent = 0

    def lodge_one(doc: dict[str, Any]) -> Outcome:
        nonlocal sent
        try:
            r = client.post("/api/v1/declarations", json=doc)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach {url}: {exc or type(exc).__name__}"
                              + (f" (after {sent} of {len(docs)} declarations; the rest were not sent: submit "
                                 "again, the lodged ones answer 'already lodged')"
                                 if sent else " (nothing was lodged)")) from None
        sent += 1
        try:
            body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
        except ValueError:
            body = {}
        if r.status_code in (200, 201) and isinstance(body, dict) and {"lrn", "mrn", "status"} <= body.keys():
            return body["lrn"], body["mrn"], body["status"], r.status_code == 201
        if not isinstance(body, dict) or ("detail" not in body and r.status_code < 400):
            raise Unreachable(f"{url} answered HTTP {r.status_code} without a Clearway declaration: is it Clearway?")
        errors = [FieldError(e["path"], e["reason"]) for e in body.get("errors", [])
                  if isinstance(e, dict) and {"path", "reason"} <= e.keys()]
        raise ClearwayError(str(body.get("detail") or f"HTTP {r.status_code}"), errors=errors)

    try:
        with httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:
            return _each(docs, lodge_one)
    except httpx.InvalidURL as exc:
        raise Unreachable(f"--url: {url!r} is not a URL ({exc})") from None


def batch_local(docs: list[Doc], *, principal: Principal, factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    """The lodging flow's batches (flows.lodging.lodge_many): 200 lines a transaction, each line on its own."""
    with _progress() as bar:
        task = bar.add_task("lodging", total=len(docs))
        results = []
        for result in lodging.lodge_many(factory, principal=principal, lines=docs, channel="file"):
            results.append(result)
            bar.advance(task)
    return results


def batch_http(docs: list[Doc], *, url: str, key: str, per_request: int = 10_000) -> list[dict[str, Any]]:
    """POST /api/v1/declarations/batch, up to `per_request` lines a request; the answer's lines are read as
    they stream in. Lines that are not JSON objects are refused here and not sent."""
    import httpx

    if not url.lower().startswith(("http://", "https://")):
        raise Unreachable(f"--url: {url!r} must start with http:// or https://")
    results = [_refused(n, None, [doc]) for n, doc in docs if isinstance(doc, str)]
    sendable = [(n, doc) for n, doc in docs if not isinstance(doc, str)]
    done = 0
    try:
        with httpx.Client(base_url=url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}, timeout=300) as client:
            for start in range(0, len(sendable), per_request):
                part = sendable[start:start + per_request]
                body = "".join(json.dumps(doc) + "\n" for _, doc in part).encode()
                with client.stream("POST", "/api/v1/declarations/batch", content=body,
                                   headers={"Content-Type": "application/x-ndjson"}) as r:
                    if r.status_code != 200:
                        r.read()
                        raise Unreachable(f"{url} refused the batch: HTTP {r.status_code} {r.text[:300]}")
                    for text in r.iter_lines():
                        if text.strip():
                            result = json.loads(text)
                            result["line"] = part[result["line"] - 1][0]
                            results.append(result)
                done += len(part)
    except httpx.TransportError as exc:
        raise Unreachable(f"cannot reach {url}: {exc or type(exc).__name__} (after {done} of {len(sendable)} "
                          "declarations; submit again: the lodged ones answer 'already lodged')") from None
    return sorted(results, key=lambda r: r["line"])


def report(results: list[dict[str, Any]], *, single: bool) -> None:
    refused = [r for r in results if r["outcome"] == "refused"]
    if single:
        r = results[0]
        if refused:
            err.print(f"error: refused: {'; '.join(r['reasons'])}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2)
        out.print(f"{r['mrn']} {r['status']} ({r['outcome']}, LRN {r['lrn']})", highlight=False)
        return
    accepted = sum(r["outcome"] == "accepted" for r in results)
    again = sum(r["outcome"] == "already lodged" for r in results)
    out.print(f"{len(results)} declarations: {accepted} accepted, {again} already lodged, {len(refused)} refused",
              highlight=False)
    for r in refused:
        out.print(f"  line {r['line']} (LRN {r['lrn']}): {'; '.join(r['reasons'])}", markup=False, highlight=False)
    if refused:
        raise typer.Exit(1)


def submit(file: Annotated[str, typer.Argument(metavar="FILE",
                                              help="a JSON declaration, JSON Lines (one per line), or a WCO DEC "
                                                   "message (XML); - for stdin")],
           key: Annotated[Optional[str], typer.Option(envvar="CLEARWAY_API_KEY", metavar="KEY",
                                                      help="declarant API key")] = None,
           url: Annotated[Optional[str], typer.Option(metavar="URL", help="lodge over HTTP at the Clearway "
                                                      "at this address, e.g. http://127.0.0.1:8000")] = None,
           results: Annotated[Optional[Path], typer.Option(metavar="FILE",
                                                           help="write one JSON result per line here")] = None,
           batch: Annotated[bool, typer.Option("--batch", help="JSON Lines lodged as batches: with --url through "
                                               "POST /api/v1/declarations/batch (10,000 a request), else 200 a "
                                               "transaction")] = False,
           from_paper: Annotated[bool, typer.Option("--from-paper", help="the declarations were keyed in from paper "
                                                    "forms (recorded as such: they count against the paperless share; "
                                                    "without --url only)")] = False) -> None:
    """Lodge one declaration or many (JSON Lines), with a summary of what was refused and why.

    Without --url this lodges straight into the configured database (CLEARWAY_DATABASE_URL, else the
    SQLite file under CLEARWAY_DATA_DIR); with --url it lodges over HTTP."""
    text = read_text(file)
    if text.lstrip().startswith("<"):  # a WCO DEC message (XML)
        from clearway.declarations import cli_xml

        try:
            outcome = (cli_xml.over_http(text.encode("utf-8"), url=url, key=key or fail("--key is required"))
                       if url else cli_xml.locally(text.encode("utf-8"), key=key))
        except cli_xml.NotReached as exc:
            fail(str(exc))
        if results:
            results.write_text("".join(json.dumps(r) + "\n" for r in outcome))
        return report(outcome, single=True)
    try:
        docs = split_documents(text)
    except ValueError as exc:
        fail(f"{file}: {exc}")
    if url and from_paper:
        fail("--from-paper: only without --url (the API records its own channel)")
    if batch and from_paper:
        fail("--from-paper: one declaration at a time, not with --batch")
    if batch:
        try:
            outcome = (batch_http(docs, url=url, key=key or fail("--key is required")) if url
                       else batch_local(docs, principal=principal_from_key(key), factory=sessions()))
        except Unreachable as exc:
            fail(str(exc))
    elif url:
        try:
            outcome = over_http(docs, url=url, key=key or fail("--key is required"))
        except Unreachable as exc:
            fail(str(exc))
    else:
        outcome = locally(docs, principal=principal_from_key(key), factory=sessions(),
                          channel="paper" if from_paper else "file")
    if results:
        results.write_text("".join(json.dumps(r) + "\n" for r in outcome))
    report(outcome, single=len(docs) == 1)


def register(app: typer.Typer) -> None:
    app.command()(submit)
