"""Which journey a seal report is about, and whether it is the device's word: a pure core (no database, no
clock). Ingest (containers/ingest.py) loads the journeys, calls `accept`, stores what is accepted and counts
what is refused, and records the alerts `alerts_for` finds in the refusals.

A report is about the journey of its seal that was under way when it was received: from the journey's
departure to its removal. Reports before a journey's departure or after its end never count for it, so a
device reused for a new journey, or whose counter restarts at 0, starts the new journey with a clean slate.
Within a journey, a report must carry the signature of the device's key registered at affixing
(containers/signing.py), and its device time may not lie before the journey's departure (an old signed report
replayed). Times are seconds since the Unix epoch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from collections.abc import Mapping
from typing import Any

from clearway.containers import signing
from clearway.containers.tamper import Alert

# Why a well-formed report is refused (SealEventRefusal.kind; NULL there is a malformed one).
KINDS = ("unsigned", "forged", "replayed", "conflict", "no_journey", "unknown_seal")
UNVERIFIED = ("unsigned", "forged", "replayed")  # these raise the authenticity alert on their journey
# A device's clock may run this far behind before a report dated before the departure is called a replay.
CLOCK_SLACK = 3600.0
AUTHENTICITY_SEVERITY = "high"
ALERTS_AT_INGEST = ("authenticity", "conflict")  # the rules of the alerts raised here, beside the detector's


@dataclass(frozen=True, slots=True)
class Keyed:
    """A journey as acceptance sees it."""

    pk: int
    seal_id: str
    container: str
    departure: float
    removed_at: float | None
    key: bytes | None  # None: affixed before keys were registered, its reports are taken unsigned

    def under_way(self, t: float) -> bool:
        return self.departure <= t and (self.removed_at is None or t <= self.removed_at)


@dataclass
class Refused:
    index: int
    seal_id: str
    seq: int
    kind: str
    reason: str
    seal_pk: int | None = None
    device_time: float = 0.0
    status: str = ""
    container: str | None = None

    def as_refusal(self) -> dict[str, Any]:
        return {"index": self.index, "seal_id": self.seal_id, "reason": self.reason, "kind": self.kind,
                "seal_pk": self.seal_pk}


@dataclass
class Verdict:
    accepted: list[tuple[int, Any, int, float]] = field(default_factory=list)  # (index, event, journey, receipt)
    refused: list[Refused] = field(default_factory=list)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def journey_at(journeys: list[Keyed], t: float) -> Keyed | None:
    """The journey under way at `t` (the latest departure, should removals and departures touch)."""
    found = [j for j in journeys if j.under_way(t)]
    return max(found, key=lambda j: j.departure) if found else None


def place(e: Any, received: float, mine: list[Keyed] | None) -> tuple[int | None, str | None, str]:
    """(journey, None, "") for a report taken, else (journey or None, kind, reason) for one refused."""
    if not mine:
        return None, "unknown_seal", (f"seal_id: {e.seal_id} is not affixed to any journey: its reports cannot "
                                      f"be verified (no device key is registered for it)")
    j = journey_at(mine, received)
    if j is None:
        return None, "no_journey", (f"received_at: {_iso(received)} lies outside every journey of seal "
                                    f"{e.seal_id} (reports before a journey's departure or after its removal "
                                    f"are not about it)")
    if j.key is not None:
        sig = getattr(e, "sig", None)
        if not sig:
            return j.pk, "unsigned", (f"sig: is required: seal {e.seal_id} (seal record {j.pk}) has a "
                                      f"registered device key")
        if not signing.verify_event(e, sig, j.key):
            return j.pk, "forged", (f"sig: does not verify with the device key registered for seal {e.seal_id} "
                                    f"at affixing (seal record {j.pk})")
    device_time = e.device_time.timestamp()
    if device_time < j.departure - CLOCK_SLACK:
        return j.pk, "replayed", (f"device_time: {_iso(device_time)} is before the journey's departure "
                                  f"{_iso(j.departure)} (seal record {j.pk}): a replayed or misdated report")
    return j.pk, None, ""


def accept(events: list[tuple[int, Any, float]], journeys: list[Keyed]) -> Verdict:
    """Place each (index, event, receipt time) on its journey, or refuse it with its kind and reason."""
    by_seal: dict[str, list[Keyed]] = {}
    for j in journeys:
        by_seal.setdefault(j.seal_id, []).append(j)
    out = Verdict()
    for i, e, received in events:
        pk, kind, reason = place(e, received, by_seal.get(e.seal_id))
        if kind is None:
            assert pk is not None
            out.accepted.append((i, e, pk, received))
        else:
            out.refused.append(Refused(i, e.seal_id, e.seq, kind, reason, pk, e.device_time.timestamp(),
                                       e.status, e.container))
    return out


def same(a: Any, b: Any) -> bool:
    """Whether two reports with the same seal and sequence number say the same thing (a harmless repeat)."""
    return signing.canonical_of(a) == signing.canonical_of(b)


def conflict(index: int, new: Any, old: Any, pk: int) -> Refused:
    """A report with the sequence number of an earlier one of its journey but other content."""
    def words(r: Any) -> str:
        return f"{r.status} at ({r.lat:.5f}, {r.lon:.5f}) {_iso(_ts(r.device_time))}"
    return Refused(index, new.seal_id, new.seq, "conflict",
                   f"seq: {new.seq} of seal {new.seal_id} (seal record {pk}) was already received with other "
                   f"content: first {words(old)}, now {words(new)}", pk, _ts(new.device_time),
                   new.status if new.status != "sealed" else old.status, new.container)


def _ts(t: Any) -> float:
    return t.timestamp() if isinstance(t, datetime) else float(t)


def alerts_for(refused: list[Refused], journeys: list[Keyed], *, foreign_enabled: bool = True,
               foreign_severity: str = "high",
               earlier: Mapping[int, tuple[Mapping[str, int], str]] | None = None) -> list[tuple[int, Alert]]:
    """The alerts refused reports justify, with their journey: reports of a journey failing verification
    (authenticity), conflicting repeats (conflict), and reports of a seal no journey knows naming a container
    under seal (foreign_seal: a swapped seal need not be one customs affixed).

    `earlier` gives, per journey, the unverified reports refused before this batch (count per kind, and the
    reason of the first of them): the authenticity alert then counts the whole journey and names its first
    refused report, however the reports were cut into batches."""
    by_pk = {j.pk: j for j in journeys}
    found: list[tuple[int, Alert]] = []
    groups: dict[tuple[int, str], list[Refused]] = {}
    for r in refused:
        if r.seal_pk is not None and r.kind in UNVERIFIED + ("conflict",):
            groups.setdefault((r.seal_pk, "authenticity" if r.kind in UNVERIFIED else "conflict"), []).append(r)
        elif foreign_enabled and r.kind in ("unknown_seal", "no_journey") and r.container:
            for j in journeys:
                if j.container == r.container and j.seal_id != r.seal_id and j.under_way(r.device_time):
                    groups.setdefault((j.pk, "foreign_seal"), []).append(r)
    for (pk, rule), rs in sorted(groups.items()):
        j = by_pk[pk]
        rs = sorted(rs, key=lambda r: r.device_time)
        evidence = tuple((r.seal_id, r.seq) for r in rs)
        if rule == "authenticity":
            before, first = (earlier or {}).get(pk, ({}, rs[0].reason))
            n = {k: before.get(k, 0) + sum(r.kind == k for r in rs) for k in UNVERIFIED}
            counts = ", ".join(f"{n[k]} {k}" for k in UNVERIFIED if n[k])
            alert = Alert(rule, AUTHENTICITY_SEVERITY, f"seal {j.seal_id}: reports failing verification were "
                          f"refused ({counts}); first: {first}", evidence, j.seal_id, rs[0].device_time)
        elif rule == "conflict":
            opened = any(r.status != "sealed" for r in rs)
            alert = Alert(rule, "critical" if opened else "high", rs[0].reason, evidence, j.seal_id,
                          rs[0].device_time)
        else:
            others = ", ".join(sorted({r.seal_id for r in rs}))
            alert = Alert(rule, foreign_severity, f"another seal ({others}), not affixed to this journey, reported "
                          f"for container {j.container} while seal {j.seal_id} was on it", evidence, j.seal_id,
                          rs[0].device_time)
        found.append((pk, alert))
    return found
