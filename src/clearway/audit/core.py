"""The audit log's proofs, as pure functions: an event's hash, a block's Merkle tree (RFC 6962, as
Certificate Transparency computes it) and the checkpoint text that links a block to the one before it.
No database here.

Writers append events with no lock; a sealer later gathers the committed events into a block, whose
checkpoint names the events it holds (their sequence numbers), the Merkle root of their hashes and the hash
of the previous checkpoint. See docs/audit.md."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

GENESIS = "0" * 64
CHECKPOINT_ORIGIN = "clearway audit log v2"


_FLAT = frozenset({str, int, bool, type(None)})


def canonical(data: Any) -> str:
    """json.dumps(sort_keys, compact, ensure_ascii=False, default=str). A flat dict of texts, integers, booleans
    and nulls is written by orjson when it escapes nothing (then the two write the same text; 3 -> 1 us)."""
    if data.__class__ is dict and all(v.__class__ in _FLAT for v in data.values()):
        try:
            text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # a key not a text, an integer beyond 64 bits, a lone surrogate
            text = b"\\"
        if b"\\" not in text:
            return text.decode()
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def event_hash(*, at: datetime, actor: str, action: str, entity_type: str, entity_id: str, data: str) -> str:
    """The hash of what an event says, computed by its writer (its sequence number is not known yet)."""
    body = "\x1f".join([at.isoformat(timespec="microseconds"), actor, action, entity_type, entity_id, data])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def leaf_hash(seq: int, content_hash: str) -> bytes:
    """The Merkle leaf of one event: its place in the log and its content (RFC 6962 leaf prefix 0x00)."""
    return hashlib.sha256(b"\x00" + f"{seq}:{content_hash}".encode()).digest()


def merkle_root(leaves: Sequence[bytes]) -> str:
    """RFC 6962 section 2.1 Merkle Tree Hash: split at the largest power of two below n, nodes prefixed 0x01."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()

    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaves[lo]
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi)).digest()

    return mth(0, len(leaves)).hex()


def ranges(seqs: Iterable[int]) -> list[list[int]]:
    """Sorted sequence numbers as inclusive runs: [1, 2, 3, 7] -> [[1, 3], [7, 7]]. Runs stay few since
    numbers are skipped only by transactions that rolled back."""
    out: list[list[int]] = []
    for s in sorted(seqs):
        if out and s == out[-1][1] + 1:
            out[-1][1] = s
        else:
            out.append([s, s])
    return out


def expand(runs: list[list[int]]) -> list[int]:
    return [s for lo, hi in runs for s in range(lo, hi + 1)]


@dataclass(frozen=True)
class Checkpoint:
    """What a block commits to. Its text is what is hashed and signed."""

    number: int
    size: int
    root: str
    prev: str
    runs: list[list[int]]

    def text(self) -> str:
        return (f"{CHECKPOINT_ORIGIN}\nblock {self.number}\nsize {self.size}\nroot {self.root}\nprev {self.prev}\n"
                f"events {canonical(self.runs)}\n")

    def hash(self) -> str:
        return hashlib.sha256(self.text().encode()).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    data: str
    hash: str

    def recomputed(self) -> str:
        return event_hash(at=self.at, actor=self.actor, action=self.action, entity_type=self.entity_type,
                          entity_id=self.entity_id, data=self.data)


def first_bad_event(expected: list[int], committed: list[str], found: dict[int, StoredEvent]) -> tuple[int, str] | None:
    """Within one sealed block: the first event (by sequence number) that is missing or whose content no
    longer gives the hash the block committed to, with the reason; None when all are as sealed."""
    for seq, sealed in zip(expected, committed, strict=True):
        event = found.get(seq)
        if event is None:
            return seq, f"event {seq} is missing (removed after it was sealed)"
        if event.recomputed() != sealed:
            return seq, "content does not match the hash sealed in its block (altered)"
    return None


def split_hashes(text: str) -> list[str]:
    return [text[i:i + 64] for i in range(0, len(text), 64)]
