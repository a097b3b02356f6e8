"""Guarantees are listed under the deferred accounts' rule: the customs of their economy and their holder."""

from __future__ import annotations

from decimal import Decimal

from clearway.db import transaction
from clearway.payments import service


def test_officers_of_the_economy_and_the_holder_list_a_guarantee_nobody_else(keys, factory):
    officer = keys.principal("officer", "AU")
    with transaction(factory) as session:
        g = service.register_guarantee(session, principal=officer, holder="AU-ABN-11222333444", currency=None,
                                       amount=Decimal("2500.00"))
        number = g.number
    who = {"officer AU": officer, "admin AU": keys.principal("admin", "AU"),
           "holder": keys.principal("declarant", "AU", "AU-ABN-11222333444"),
           "other trader": keys.principal("declarant", "AU", "AU-ABN-55666777888"),
           "officer NZ": keys.principal("officer", "NZ"), "nppo AU": keys.principal("nppo", "AU", "NPPO-AU")}
    with factory() as session:
        seen = {name: [x.number for x in service.list_guarantees(session, principal=p)] for name, p in who.items()}
        available = service.guarantee_available(session, service.list_guarantees(session, principal=officer)[0])
    assert seen == {"officer AU": [number], "admin AU": [number], "holder": [number], "other trader": [],
                    "officer NZ": [], "nppo AU": []}
    assert available == Decimal("2500.00")
