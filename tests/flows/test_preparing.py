"""A batch's lines made ready in helper processes (flows/preparing.py) are what making them ready in the server
process gives, amounts to the last written digit; a helper that dies costs no line."""

from __future__ import annotations

import logging
import os

import orjson

from clearway.declarations.core import AMOUNTS, Checked
from clearway.flows import preparing
from tests.certificates.factories import declaration
from tests.flows.support import T_SHIRTS, lodging_set


def _lines() -> list[tuple[int, object]]:
    """Lines as a batch sends them (JSON text), with amounts as written (trailing zeros, an exponent), every kind
    of refusal, and a document given as it is (`clearway submit` reads its own lines)."""
    spelled = [{**T_SHIRTS[0], "quantity": "100.000", "value": "300.50", "gross_weight_kg": "1E+2",
                "net_weight_kg": "0.000001"}]
    docs = [*lodging_set("P"), declaration(lrn="P-spelled", items=spelled, documents=[]),
            declaration(lrn="P-badhs", items=[{**T_SHIRTS[0], "hs_code": "999999"}], documents=[]),
            {"lrn": "P-short", "type": "import"}]
    lines: list[tuple[int, object]] = [(n, orjson.dumps(d)) for n, d in enumerate(docs, start=1)]
    return [*lines, (len(lines) + 1, b"{not json"), (len(lines) + 2, b"[1, 2]"), (len(lines) + 3, "not JSON: told"),
            (len(lines) + 4, declaration(lrn="P-given", items=T_SHIRTS, documents=[]))]


def _spelled(ready: list[preparing.Ready]) -> list[object]:
    """Each line made ready, its amounts as the text they are written with (Decimal equality ignores exponents)."""
    return [(line, lrn, made if isinstance(made, dict) else
             (made, [[str(it[k]) for k in AMOUNTS] for it in made.items]))
            for line, _, lrn, made in ready]


def test_a_chunk_read_back_from_a_helpers_json_is_what_making_it_ready_here_gives():
    part = _lines()
    here = preparing.ready_here(part)
    assert _spelled(preparing.read_plain(part, preparing.ready_plain(part))) == _spelled(here)
    spelled = next(made for _, _, lrn, made in here if lrn == "P-spelled")
    assert isinstance(spelled, Checked) and [str(spelled.items[0][k]) for k in AMOUNTS] == [
        "100.000", "1E+2", "0.000001", "300.50"]
    badhs = next(made for _, _, lrn, made in here if lrn == "P-badhs")
    assert isinstance(badhs, Checked) and badhs.content is None and [e.path for e in badhs.errors] == [
        "items[0].hs_code"]
    assert [made["reasons"][0].split(":")[0] for *_, made in here[-4:-1]] == [
        "not JSON", "not a JSON object (one declaration per line)", "not JSON"]
    assert isinstance(here[-1][3], Checked) and here[-1][2] == "P-given"


class _Dies:
    """Unpickled in a helper, ends it at once (as the kernel's out-of-memory killer would)."""

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return os._exit, (3,)


def test_the_helpers_make_chunks_ready_in_order_and_a_chunk_whose_helper_died_is_made_ready_here(caplog):
    helpers = preparing.Helpers(1)
    part = _lines()
    try:
        made = list(helpers.ahead([part[:5], part[5:]]))
        assert all(m.future is not None for m in made)
        assert _spelled(made[0].result() + made[1].result()) == _spelled(preparing.ready_here(part))
        with caplog.at_level(logging.WARNING, logger="clearway.flows.preparing"):
            dying = [(1, _Dies()), *part[1:3]]
            made = list(helpers.ahead([dying, part[3:6]]))  # both given to the pool the first breaks
            got = made[0].result()
            assert "a batch helper failed (BrokenProcessPool)" in caplog.text
            again = list(helpers.ahead([part[6:9]]))  # a pool started anew ...
            assert _spelled(made[1].result()) == _spelled(preparing.ready_here(part[3:6]))
        # ... which the second chunk of the broken one, made ready here, did not shut down
        assert _spelled(again[0].result()) == _spelled(preparing.ready_here(part[6:9]))
        assert caplog.text.count("a batch helper failed") == 2 and again[0].future.done()
        assert got[0][3]["outcome"] == "refused" and _spelled(got[1:]) == _spelled(preparing.ready_here(part[1:3]))
    finally:
        helpers.close()
