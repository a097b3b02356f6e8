"""Payment references, payments, deferred accounts and guarantees. Runs inside the caller's transaction;
every change is audited. The clearance flow decides about release."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, bindparam, false, select
from sqlalchemy.orm import Session

from clearway.audit.service import append_event
from clearway.auth.core import Principal, is_customs, is_declarant
from clearway.db import money_sum, utcnow
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from clearway.payments import core
from clearway.payments.models import (DeferredAccount, DeferredCharge, Guarantee, Payment, PaymentReference,
                                      Security)
from clearway.payments.providers import PROVIDERS
from clearway.reference import currencies, economies


def total(rows: list[Payment]) -> Decimal:
    """What `rows` (a declaration's payments) paid, added up here in Decimal: SQLite keeps money as text, and
    its SUM would add floats."""
    return sum((p.amount for p in rows), Decimal(0))


# The reads of every payment and assessment, built once (SQLAlchemy then neither builds nor keys them again).
_PAID_ROWS = select(Payment).where(Payment.declaration_id == bindparam("declaration")).order_by(Payment.id)
_OPEN_SECURITY = select(Security).where(Security.declaration_id == bindparam("declaration"),
                                        Security.discharged_at.is_(None)).limit(1)
_REFERENCE = select(PaymentReference).where(PaymentReference.reference == bindparam("reference")).limit(1)


def paid_rows(session: Session, declaration_id: int) -> list[Payment]:
    return list(session.scalars(_PAID_ROWS, {"declaration": declaration_id}))


def open_security(session: Session, declaration_id: int) -> Security | None:
    return session.scalars(_OPEN_SECURITY, {"declaration": declaration_id}).first()


@dataclass
class Ledger:
    """A declaration's payments (in the order made) and its open security, read once by a step of the clearance
    flow and kept up to date by that step's own payment or security. The step holds the declaration's row lock
    (on SQLite the one write lock), so no other request pays or secures the declaration meanwhile: what the step
    reads once stays true to its end."""
    payments: list[Payment]
    security: Security | None

    @property
    def paid(self) -> Decimal:
        return total(self.payments)


def ledger(session: Session, declaration_id: int) -> Ledger:
    return Ledger(paid_rows(session, declaration_id), open_security(session, declaration_id))


def issue_reference(session: Session, *, row: Declaration, provider: str, due: Decimal, currency: str,
                    actor: str) -> PaymentReference:
    p = PROVIDERS.get(provider)
    if p is None:
        raise Invalid("unknown provider", errors=[FieldError("provider", f"one of {', '.join(PROVIDERS)}")])
    issued = p.issue(mrn=row.mrn or "", amount=due, currency=currency, economy=row.economy)
    ref = PaymentReference(declaration_id=row.id, provider=provider, reference=issued.reference, amount=due,
                           currency=currency, instructions=issued.instructions, created_at=utcnow())
    session.add(ref)
    session.flush()
    append_event(session, actor=actor, action="payment.reference_issued", entity_type="declaration",
                 entity_id=row.mrn or "", data={"provider": provider, "reference": issued.reference})
    return ref


def _receipt(row: Declaration, n: int) -> str:
    return f"RC{row.mrn}{n:03d}"


def repeated_payment(ledger: Ledger, *, amount: Decimal, currency: str, method: str, reference: str) -> Payment | None:
    """The payment this request already made, when it is sent again (its answer lost: a dropped connection, a
    server killed before it answered): the same bank reference of the same declaration, for the same amount.
    A reference is used once, so the repeat is the earlier payment, not a second one; the same reference with
    another amount is refused."""
    if method != "bank_transfer":
        return None  # a deferred account's number is used by every payment it makes: nothing identifies a repeat
    wanted = reference.strip().upper()
    earlier = next((p for p in ledger.payments if p.reference == wanted), None)
    if earlier is None:
        return None
    if earlier.amount != amount or earlier.currency != currency.upper() or earlier.method != method:
        raise Conflict(f"reference {earlier.reference} was already used for a payment of "
                       f"{format(earlier.amount, 'f')} {earlier.currency} (receipt {earlier.receipt})")
    return earlier


def record_payment(session: Session, *, principal: Principal, row: Declaration, ledger: Ledger, amount: Decimal,
                   currency: str, method: str, reference: str, due: Decimal, due_currency: str) -> Payment:
    """Record a payment of `row` and discharge its open security; `ledger` (the declaration's, read in this step)
    gains the payment and loses the security."""
    if method not in core.METHODS:
        raise Invalid("unknown payment method", errors=[FieldError("method", f"one of {', '.join(core.METHODS)}")])
    core.check_settles(amount=amount, currency=currency, due=due, due_currency=due_currency)
    now = utcnow()  # one instant: a deferred charge falls in the statement period of its payment
    if method == "bank_transfer":
        ref = session.scalars(_REFERENCE, {"reference": reference.upper()}).first()
        if ref is None or ref.declaration_id != row.id or not PROVIDERS[ref.provider].recognises(ref.reference):
            raise Invalid("unknown payment reference", errors=[FieldError(
                "reference", "not a reference issued for this declaration: POST .../payment-reference first")])
        # A bank reference is issued for one declaration and taken for it alone (above): only its own payments
        # could have used it.
        if any(p.reference == ref.reference for p in ledger.payments):
            raise Conflict(f"reference {ref.reference} was already used for a payment")
    else:
        account = _account_for(session, principal=principal, row=row, number=reference)
        # Two payments from one account at once must not both fit in the same headroom: on PostgreSQL the row
        # lock queues the second until the first commits (SQLite already runs one writer at a time).
        session.execute(select(DeferredAccount.id).where(DeferredAccount.id == account.id).with_for_update())
        if account.currency != due_currency:
            raise Invalid("account currency", errors=[FieldError("reference", f"the account is in {account.currency}")])
        room = available(session, account)
        if amount > room:
            raise Invalid(f"the deferred account's credit limit would be exceeded: {format(room, 'f')} "
                          f"{account.currency} left", amount_due=format(due, "f"), currency=due_currency,
                          errors=[FieldError("amount", f"only {format(room, 'f')} {account.currency} of credit left")])
        session.add(DeferredCharge(account_id=account.id, declaration_id=row.id, amount=amount,
                                   period=now.strftime("%Y-%m"), charged_at=now))
    n = len(ledger.payments) + 1
    payment = Payment(declaration_id=row.id, receipt=_receipt(row, n), amount=amount, currency=due_currency,
                      method=method, reference=reference.upper(), paid_at=now, actor=principal.actor)
    session.add(payment)
    session.flush()
    ledger.payments.append(payment)
    if ledger.security is not None:
        ledger.security.discharged_at = payment.paid_at
        ledger.security = None
    append_event(session, actor=principal.actor, action="payment.received", entity_type="declaration",
                 entity_id=row.mrn or "", data={"receipt": payment.receipt, "amount": format(amount, "f"),
                                                "currency": due_currency, "method": method})
    return payment


# ---- deferred accounts -----------------------------------------------------------------------------

def readable_accounts(principal: Principal) -> ColumnElement[bool]:
    """The one access rule of deferred accounts, for their list, each read and each use: an account belongs
    to one economy, so the officers and admins of that economy see it, and so does its holder (a declarant
    of that economy). Nobody else does: not an NPPO, not another economy's officer or admin."""
    if is_customs(principal):
        return DeferredAccount.economy == principal.economy
    if is_declarant(principal) and principal.party_id:
        return and_(DeferredAccount.economy == principal.economy, DeferredAccount.holder == principal.party_id)
    return false()


def _readable(session: Session, *, principal: Principal, number: str) -> DeferredAccount | None:
    return session.scalars(select(DeferredAccount).where(DeferredAccount.number == number.strip().upper(),
                                                         readable_accounts(principal))).first()


def _account_for(session: Session, *, principal: Principal, row: Declaration, number: str) -> DeferredAccount:
    """The account that pays a declaration: one the payer may read, of the declaration's economy, held by the
    declarant (refused as unknown otherwise, like a guarantee of another economy)."""
    acc = _readable(session, principal=principal, number=number)
    if acc is None or acc.economy != row.economy:
        raise Invalid("unknown deferred account", errors=[FieldError(
            "reference", f"no deferred account {number} in {row.economy}, the declaration's economy")])
    if acc.holder != row.declarant_id:
        raise Forbidden(f"deferred account {acc.number} is not the declarant's",
                        errors=[FieldError("reference", "not an account of this declarant")])
    return acc


def _open_charges(session: Session, account_id: int) -> Decimal:
    return money_sum(session, DeferredCharge.amount, DeferredCharge.account_id == account_id,
                     DeferredCharge.settled_at.is_(None))


def _number(prefix: str, economy: str) -> str:
    """A fresh account or guarantee number: random, so concurrent requests never collide."""
    return f"{prefix}{economy}{secrets.randbelow(10 ** 10):010d}"


def _check_money(economy: str, currency: str, amount: Decimal, field: str) -> str:
    eco = economies.get(economy)
    if eco is None:
        raise Invalid("economy", errors=[FieldError("economy", f"{economy!r} is not an APEC economy")])
    cur = (currency or eco.currency).upper()
    if not currencies.is_currency(cur):
        raise Invalid("currency", errors=[FieldError("currency", f"{cur!r} is not an ISO 4217 currency")])
    if amount <= 0 or amount != amount.quantize(currencies.quantum(cur)):
        raise Invalid(field, errors=[FieldError(field, f"a positive amount with at most "
                                                       f"{currencies.minor_units(cur)} decimals")])
    return cur


def open_account(session: Session, *, principal: Principal, holder: str, currency: str | None,
                 credit_limit: Decimal) -> DeferredAccount:
    """An account of the officer's own economy, in the currency that economy assesses and collects duties in."""
    if not is_customs(principal):
        raise Forbidden("only an officer opens deferred payment accounts")
    cur = _check_money(principal.economy, currency or "", credit_limit, "credit_limit")
    local = economies.get(principal.economy).currency
    if cur != local:
        raise Invalid("currency", errors=[FieldError("currency", f"a deferred account of {principal.economy} is in "
                                                                 f"{local}, the currency its duties are assessed in")])
    acc = DeferredAccount(number=_number("DA", principal.economy), holder=holder, economy=principal.economy,
                          currency=cur, credit_limit=credit_limit, created_at=utcnow())
    session.add(acc)
    session.flush()
    append_event(session, actor=principal.actor, action="payment.account_opened", entity_type="deferred_account",
                 entity_id=acc.number, data={"holder": holder, "credit_limit": format(credit_limit, "f")})
    return acc


def list_accounts(session: Session, *, principal: Principal) -> list[DeferredAccount]:
    return list(session.scalars(select(DeferredAccount).where(readable_accounts(principal))
                                .order_by(DeferredAccount.number)))


def available(session: Session, acc: DeferredAccount) -> Decimal:
    return core.at_currency_precision(core.headroom(acc.credit_limit, _open_charges(session, acc.id)), acc.currency)


def statement(session: Session, *, principal: Principal, number: str, period: str) -> dict:
    acc = _readable(session, principal=principal, number=number)
    if acc is None:
        raise NotFound(f"no deferred account {number}")
    charges = list(session.scalars(select(DeferredCharge).where(DeferredCharge.account_id == acc.id,
                                                                DeferredCharge.period == period)
                                   .order_by(DeferredCharge.id)))
    mrns = {d.id: d.mrn for d in session.scalars(select(Declaration).where(
        Declaration.id.in_([c.declaration_id for c in charges])))} if charges else {}
    total = core.at_currency_precision(sum((c.amount for c in charges), Decimal(0)), acc.currency)
    return {"account": acc.number, "holder": acc.holder, "currency": acc.currency, "period": period,
            "credit_limit": format(core.at_currency_precision(acc.credit_limit, acc.currency), "f"),
            "available": format(available(session, acc), "f"),
            "charges": [{"declaration": mrns.get(c.declaration_id),
                         "amount": format(core.at_currency_precision(c.amount, acc.currency), "f"),
                         "charged_at": c.charged_at.isoformat()} for c in charges],
            "total": format(total, "f")}


# ---- guarantees (TFA Art. 7.3) ---------------------------------------------------------------------

def register_guarantee(session: Session, *, principal: Principal, holder: str, currency: str | None,
                       amount: Decimal, number: str | None = None) -> Guarantee:
    if not is_customs(principal):
        raise Forbidden("only an officer registers guarantees")
    cur = _check_money(principal.economy, currency or "", amount, "amount")
    if number and session.scalars(select(Guarantee).where(Guarantee.number == number.upper())).first():
        raise Conflict(f"guarantee {number.upper()} is already registered")
    g = Guarantee(number=(number or _number("GT", principal.economy)).upper(), holder=holder,
                  economy=principal.economy, currency=cur, amount=amount, created_at=utcnow())
    session.add(g)
    session.flush()
    append_event(session, actor=principal.actor, action="payment.guarantee_registered", entity_type="guarantee",
                 entity_id=g.number, data={"holder": holder, "amount": format(amount, "f"), "currency": cur})
    return g


def readable_guarantees(principal: Principal) -> ColumnElement[bool]:
    """Guarantees are read as deferred accounts are: by customs of their economy and by their holder."""
    if is_customs(principal):
        return Guarantee.economy == principal.economy
    if is_declarant(principal) and principal.party_id:
        return and_(Guarantee.economy == principal.economy, Guarantee.holder == principal.party_id)
    return false()


def list_guarantees(session: Session, *, principal: Principal) -> list[Guarantee]:
    return list(session.scalars(select(Guarantee).where(readable_guarantees(principal)).order_by(Guarantee.number)))


def guarantee_available(session: Session, g: Guarantee) -> Decimal:
    return g.amount - money_sum(session, Security.amount, Security.guarantee_id == g.id,
                                Security.discharged_at.is_(None))


def secure(session: Session, *, principal: Principal, row: Declaration, ledger: Ledger, number: str, due: Decimal,
           due_currency: str) -> Security:
    """Secure what is due on `row` against guarantee `number`; `ledger` (the declaration's, read in this step)
    gains the security."""
    g = session.scalars(select(Guarantee).where(Guarantee.number == number.upper())).first()
    if g is None or g.economy != row.economy:
        raise Invalid("unknown guarantee", errors=[FieldError("guarantee", f"no guarantee {number} in {row.economy}")])
    if g.holder != row.declarant_id:
        raise Forbidden(f"guarantee {g.number} is not the declarant's", errors=[FieldError("guarantee", "not yours")])
    if g.currency != due_currency:
        raise Invalid("guarantee currency", errors=[FieldError("guarantee", f"the guarantee is in {g.currency}")])
    if due <= 0:
        raise Invalid("nothing is due", errors=[FieldError("guarantee", "nothing is due on this declaration")])
    if ledger.security is not None:
        raise Conflict(f"declaration {row.mrn} is already secured")
    left = core.at_currency_precision(guarantee_available(session, g), g.currency)
    if left < due:
        raise Invalid(f"the guarantee covers only {format(left, 'f')} {g.currency} more",
                      amount_due=format(due, "f"), currency=due_currency,
                      errors=[FieldError("guarantee", f"{format(left, 'f')} {g.currency} left, {format(due, 'f')} due")])
    sec = Security(guarantee_id=g.id, declaration_id=row.id, amount=due, secured_at=utcnow())
    session.add(sec)
    session.flush()
    ledger.security = sec
    append_event(session, actor=principal.actor, action="payment.secured", entity_type="declaration",
                 entity_id=row.mrn or "", data={"guarantee": g.number, "amount": format(due, "f")})
    return sec
