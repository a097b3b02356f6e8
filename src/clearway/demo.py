"""Demo data: API keys for each role and a spread of realistic declarations across economies.

The same generator feeds the lodging benchmark, so what the demo shows is what was measured."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from clearway import demo_model, demo_trs, keyring
from clearway.auth.models import ApiKey
from clearway.auth.service import authenticate, create_key, revoke_key
from clearway.auth.users import create_user, list_users
from clearway.certificates import nppo
from clearway.certificates.models import NppoKey
from clearway.containers.demo import load as load_seals
from clearway.db import transaction
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import DeclarationIn
from clearway.demo_goods import DEMO_ECONOMIES, declaration, party, with_environmental_goods
from clearway.errors import ClearwayError, Conflict
from clearway.flows import clearance, lanes, lodging, seals, stocktake_demo
from clearway.risk.schemas import InspectionIn
from clearway.validation import parse

# The people who sign in to the demo's pages (all of Australia, the first demo economy). Demo passwords are
# published here on purpose: `make demo` prints them. Never use them outside a demo.
DEMO_USERS: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("trader", "declarant", "AU", "AU-DEMO-BROKER-1", "apples-cross-the-pacific"),
    ("officer", "officer", "AU", None, "seals-checked-at-the-border"),
    ("nppo", "nppo", "AU", "NPPO-AU", "plants-travel-with-papers"),
    ("admin", "admin", "AU", None, "keys-to-the-whole-house"),
)


def users(factory: sessionmaker[Session]) -> list[dict[str, str | None]]:
    """The demo users, created where missing: (user name, role, economy, party, password)."""
    with transaction(factory) as session:
        known = {u.username for u in list_users(session)}
        for username, role, economy, party_id, password in DEMO_USERS:
            if username not in known:
                create_user(session, username=username, password=password, role=role, economy=economy,
                            party_id=party_id, full_name=f"Demo {role}", actor="demo")
    return [{"username": u, "password": p, "role": r, "economy": e, "party": who} for u, r, e, who, p in DEMO_USERS]


def nppo_party(economy: str) -> str:
    return f"NPPO-{economy}"


def _wanted() -> dict[str, tuple[str, str, str | None]]:
    wanted: dict[str, tuple[str, str, str | None]] = {"admin": ("admin", "AU", None)}
    for e in DEMO_ECONOMIES:
        wanted[f"declarant_{e.lower()}"] = ("declarant", e, party(e))
        wanted[f"officer_{e.lower()}"] = ("officer", e, None)
        wanted[f"nppo_{e.lower()}"] = ("nppo", e, nppo_party(e))
    return wanted


def _keys(factory: sessionmaker[Session], keys_file: Path) -> tuple[dict[str, str], dict[str, int]]:
    """The demo keys: those in `keys_file` that still work are reused; the others are created. A
    demo key whose secret was lost with the file is revoked when its successor is made, so that
    each demo name has one working key however often the demo is loaded."""
    known: dict[str, str] = {}
    if keys_file.exists():
        known = json.loads(keys_file.read_text()).get("keys", {})
    out: dict[str, str] = {}
    counts = {"reused": 0, "created": 0, "replaced": 0}
    with transaction(factory) as session:
        for name, (role, economy, who) in _wanted().items():
            key = known.get(name)
            if key and authenticate(session, key) is not None:
                out[name] = key
                counts["reused"] += 1
                continue
            lost = session.scalars(select(ApiKey.id).where(ApiKey.label == f"demo {name}",
                                                           ApiKey.revoked_at.is_(None))).all()
            for key_id in lost:
                revoke_key(session, key_id=key_id, actor="demo")
            counts["replaced" if lost else "created"] += 1
            out[name], _ = create_key(session, role=role, economy=economy, party_id=who, label=f"demo {name}",
                                      actor="demo")
    if out != known:
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        keyring.write_private(keys_file, json.dumps({"keys": out}, indent=1) + "\n")  # owner only: live keys
    return out, counts


def _nppo_signing_keys(factory: sessionmaker[Session]) -> int:
    """A signing key for each demo NPPO that has none, so that its API key can issue ePhytos."""
    made = 0
    with transaction(factory) as session:
        for e in DEMO_ECONOMIES:
            if session.scalars(select(NppoKey.id).where(NppoKey.economy == e, NppoKey.active.is_(True))).first() is None:
                nppo.create_key(session, economy=e, party_id=nppo_party(e), actor="demo")
                made += 1
    return made


def load(factory: sessionmaker[Session], *, keys_file: Path, model_dir: Path | None, declarations: int = 300,
         seed: int = 2026) -> dict[str, Any]:
    """Keys, the demo fraud model (into `model_dir`, when given) and declarations; running it again
    creates no key and lodges nothing twice (LRNs are deterministic)."""
    keys, key_counts = _keys(factory, keys_file)
    people = users(factory)
    signing = _nppo_signing_keys(factory)
    model: dict[str, Any] = {}
    if model_dir is not None:  # before lodging: the lanes of the new declarations use it

        model = demo_model.ensure(model_dir)
    rng = random.Random(seed)
    created = existing = 0
    with transaction(factory) as session:
        principals = {e: authenticate(session, keys[f"declarant_{e.lower()}"]) for e in DEMO_ECONOMIES}
    for n in range(declarations):
        economy = DEMO_ECONOMIES[n % len(DEMO_ECONOMIES)]
        doc = with_environmental_goods(declaration(economy, n, rng), n)
        try:
            with transaction(factory) as session:
                _, new = lodging.lodge(session, principal=principals[economy], decl=parse(DeclarationIn, doc))
        except Conflict:  # lodged by an earlier run (with other arrival times)
            existing += 1
            continue
        except ClearwayError:
            continue
        created += new
        existing += not new
    sealed = {}
    if created:  # seal journeys first, so that tampered containers weigh on the lanes
        sealed = {"seal_journeys": load_seals(factory, ingest=seals.ingest, count=max(1, declarations // 10),
                                              tamper_rate=0.3)}
    moved = clear(factory, keys, seed=seed + 1) if created else {}
    if created:  # six months of history for the time-release figures and the dashboard
        with transaction(factory) as session:
            admin = authenticate(session, keys["admin"])
        moved["history"] = demo_trs.load(factory, admin=admin, economies=DEMO_ECONOMIES)
    return {"users": people, "keys": keys, "keys_file": str(keys_file), "key_counts": {**key_counts, "nppo_signing_keys": signing},
            "model": model, "declarations": {"lodged": created, "already_there": existing, **moved}, **sealed,
            **stocktake_demo.load(factory)}


def clear(factory: sessionmaker[Session], keys: dict[str, str], seed: int = 2027) -> dict[str, int]:
    """Take the newly lodged demo declarations down the clearance path, so that every status shows:
    three in four are assessed (and laned), most of what is due is paid, and officers control some
    of the yellow and red ones. Returns how many reached each step."""
    rng = random.Random(seed)
    counts = {"assessed": 0, "paid": 0, "inspected": 0}
    # The random compliance selection draws from the seed too, so that a demo load is the same every time.
    previous, lanes.draw_source = lanes.draw_source, random.Random(seed + 1).random
    try:
        _advance(factory, keys, rng, counts)
    finally:
        lanes.draw_source = previous
    return counts


def _advance(factory: sessionmaker[Session], keys: dict[str, str], rng: random.Random, counts: dict[str, int]) -> None:
    with transaction(factory) as session:
        who = {name: authenticate(session, key) for name, key in keys.items()}
        todo = session.execute(select(Declaration.mrn, Declaration.economy)
                               .where(Declaration.status == "accepted").order_by(Declaration.id)).all()
    for mrn, economy in todo:
        if rng.random() < 0.25:
            continue  # left accepted: waiting for assessment
        declarant, officer = who[f"declarant_{economy.lower()}"], who[f"officer_{economy.lower()}"]
        try:
            with transaction(factory) as session:
                row = clearance.assess(session, principal=declarant, mrn=mrn).row
                counts["assessed"] += 1
                status = row.status
            if status == "under_control" and rng.random() < 0.5:
                irregular = rng.random() < 0.3
                body = InspectionIn(outcome="irregular" if irregular else "compliant",
                                    findings=["quantity found above the declared"] if irregular else [],
                                    extra_duty=Decimal(rng.choice([40, 120, 300])) if irregular else Decimal(0))
                with transaction(factory) as session:
                    clearance.inspect(session, principal=officer, mrn=mrn, body=body)
                    counts["inspected"] += 1
            if rng.random() < 0.8:
                with transaction(factory) as session:
                    ref = clearance.payment_reference(session, principal=declarant, mrn=mrn, provider="bank_transfer")
                    clearance.pay(session, principal=declarant, mrn=mrn, amount=ref.amount, currency=ref.currency,
                                  method="bank_transfer", reference=ref.reference)
                    counts["paid"] += 1
        except ClearwayError:
            continue  # e.g. nothing due, or no schedule for that economy: left where it is
