"""The hash chain, as pure functions: each event's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainLink:
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    data: str  # canonical JSON text, stored as is
    prev_hash: str
    hash: str


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def link_hash(*, seq: int, at: datetime, actor: str, action: str, entity_type: str, entity_id: str,
              data: str, prev_hash: str) -> str:
    body = "\x1f".join([str(seq), at.isoformat(timespec="microseconds"), actor, action, entity_type,
                        entity_id, data, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def first_break(links: Iterable[ChainLink]) -> tuple[int, str] | None:
    """The first link that does not follow from the ones before it, with the reason; None if sound."""
    expected_prev, expected_seq = GENESIS, 1
    for link in links:
        if link.seq != expected_seq:
            return link.seq, f"event {expected_seq} is missing (found {link.seq} next)"
        if link.prev_hash != expected_prev:
            return link.seq, "previous-hash does not match the event before it"
        recomputed = link_hash(seq=link.seq, at=link.at, actor=link.actor, action=link.action,
                               entity_type=link.entity_type, entity_id=link.entity_id,
                               data=link.data, prev_hash=link.prev_hash)
        if recomputed != link.hash:
            return link.seq, "content does not match its hash (altered)"
        expected_prev, expected_seq = link.hash, link.seq + 1
    return None
