"""/officer/rules and /officer/policy: targeting rules (create, new version, retire, hit rates) and the lane
policy with the day's capacity used per office (set by an admin). The same risk services as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from clearway.auth.users import SignedIn
from clearway.db import utcnow
from clearway.errors import ClearwayError
from clearway.risk import decisions, service as risk, targeting as rules
from clearway.risk.lanes import day_capacity
from clearway.risk.schemas import PolicyIn, RetireIn, RuleChangeIn, RuleIn
from clearway.validation import parse
from clearway.web.forms import nested
from clearway.web.session import require_page_user
from clearway.web.templating import render

router = APIRouter(prefix="/officer", include_in_schema=False)
Customs = Annotated[SignedIn, Depends(require_page_user("officer", "admin"))]
Admin = Annotated[SignedIn, Depends(require_page_user("admin"))]
CONDITION_ROWS = 4  # condition rows a rule form offers (a rule takes up to 20 through the API)
POLICY_FIELDS = ("red_share", "yellow_share", "random_share", "random_lane", "trusted_factor", "essential_min_score",
                 "min_score", "ranking", "red_threshold", "yellow_threshold")


def _errors(exc: ClearwayError) -> dict[str, str]:
    return {e.path: e.reason for e in exc.errors} or {"form": exc.detail}


def rule_data(form: FormData) -> dict[str, Any]:
    """A rule form as the API's rule: each condition's value read as typed, dates as UTC midnight."""
    data = nested(form.multi_items())
    for c in data.get("conditions") or []:
        if isinstance(c, dict) and isinstance(c.get("value"), str):
            c["value"] = rules.value_from_text(str(c.get("field", "")), str(c.get("op", "")), c["value"])
    for name in ("valid_from", "valid_to"):
        if isinstance(data.get(name), str) and len(data[name]) == 10:
            data[name] += "T00:00:00Z"
    if "score" in data and data.get("action") != "score":
        data.pop("score")  # the form keeps the score field; only a score rule takes it
    return data


def _shown(form: FormData) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k != "csrf"}


def _rule_form(row: Any) -> dict[str, str]:
    out = {"code": row.code, "name": row.name, "description": row.description or "", "action": row.action,
           "score": f"{row.score:g}" if row.action == "score" else "", "owner": row.owner,
           "valid_from": row.valid_from.date().isoformat() if row.valid_from else "",
           "valid_to": row.valid_to.date().isoformat() if row.valid_to else ""}
    for i, c in enumerate(row.conditions):
        out |= {f"conditions[{i}].field": c["field"], f"conditions[{i}].op": c["op"],
                f"conditions[{i}].value": rules.value_text(c["value"])}
    return out


def _choices() -> dict[str, Any]:
    return {"fields": list(rules.FIELDS), "ops": sorted({op for ops in rules.OPS.values() for op in ops}),
            "actions": rules.ACTIONS, "rows": CONDITION_ROWS, "value_text": rules.value_text}


def _rules_page(request: Request, signed: SignedIn, *, errors: dict | None = None, form: dict | None = None,
                retired: bool = False, status: int = 200) -> Response:
    economy = signed.principal.economy
    with request.app.state.ctx.uow() as session:
        rows = risk.list_rules(session, economy=economy, include_retired=retired)
        stats = risk.stats(session, economy=economy, codes=[r.code for r in rows])
        return render(request, "officer/rules.html", {"rules": rows, "stats": stats, "errors": errors or {},
                                                      "form": form or {}, "retired": retired, **_choices()},
                      status=status)


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, signed: Customs, retired: bool = False) -> Response:
    return _rules_page(request, signed, retired=retired)


@router.post("/rules")
async def create_rule(request: Request, signed: Customs) -> Response:
    form = await request.form()
    return await run_in_threadpool(_create_rule, request, signed, form)


def _create_rule(request: Request, signed: SignedIn, form: FormData) -> Response:
    try:
        body = parse(RuleIn, rule_data(form))
        with request.app.state.ctx.uow() as session:
            row = risk.create_rule(session, principal=signed.principal, rule=body)
            code = row.code
    except ClearwayError as exc:
        return _rules_page(request, signed, errors=_errors(exc), form=_shown(form), status=exc.status)
    return RedirectResponse(f"/officer/rules/{code}", status_code=303)


def _rule_page(request: Request, signed: SignedIn, code: str, *, errors: dict | None = None,
               form: dict | None = None, status: int = 200) -> Response:
    economy = signed.principal.economy
    try:
        with request.app.state.ctx.uow() as session:
            history = risk.versions(session, economy=economy, code=code)
            current = history[-1]
            stats = risk.stats(session, economy=economy, codes=[current.code])[current.code]
            return render(request, "officer/rule.html", {
                "rule": current, "versions": list(reversed(history)), "stats": stats, "errors": errors or {},
                "form": form if form is not None else _rule_form(current), **_choices()}, status=status)
    except ClearwayError as exc:
        return render(request, "officer/missing.html", {"detail": exc.detail}, status=exc.status)


@router.get("/rules/{code}", response_class=HTMLResponse)
def rule_page(request: Request, signed: Customs, code: str) -> Response:
    return _rule_page(request, signed, code)


@router.post("/rules/{code}")
async def change_rule(request: Request, signed: Customs, code: str) -> Response:
    """A new version of the rule: the form's fields replace the current version's."""
    form = await request.form()
    return await run_in_threadpool(_change_rule, request, signed, code, form)


def _change_rule(request: Request, signed: SignedIn, code: str, form: FormData) -> Response:
    data = rule_data(form)
    data.pop("code", None)
    data.setdefault("description", None)
    data.setdefault("valid_from", None)
    data.setdefault("valid_to", None)
    try:
        body = parse(RuleChangeIn, data)
        with request.app.state.ctx.uow() as session:
            risk.change_rule(session, principal=signed.principal, code=code, change=body)
    except ClearwayError as exc:
        return _rule_page(request, signed, code, errors=_errors(exc), form=_shown(form), status=exc.status)
    return RedirectResponse(f"/officer/rules/{code}", status_code=303)


@router.post("/rules/{code}/retire")
async def retire_rule(request: Request, signed: Customs, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_retire_rule, request, signed, code, form)


def _retire_rule(request: Request, signed: SignedIn, code: str, form: FormData) -> Response:
    try:
        body = parse(RetireIn, nested(form.multi_items()))
        with request.app.state.ctx.uow() as session:
            risk.retire_rule(session, principal=signed.principal, code=code, reason=body.reason)
    except ClearwayError as exc:
        return _rule_page(request, signed, code, errors=_errors(exc), status=exc.status)
    return RedirectResponse(f"/officer/rules/{code}", status_code=303)


def _policy_page(request: Request, signed: SignedIn, *, errors: dict | None = None, form: dict | None = None,
                 status: int = 200) -> Response:
    economy = signed.principal.economy
    day = utcnow().date().isoformat()
    with request.app.state.ctx.uow() as session:
        policy, row = risk.policy(session, economy=economy)
        usage = decisions.usage_by_office(session, economy=economy, day=day)
    shown = form if form is not None else {k: "" if v is None else str(v)
                                           for k, v in policy.model_dump(include=set(POLICY_FIELDS)).items()} | {
        "trusted_traders": "\n".join(policy.trusted_traders)}
    lane_policy = risk.lane_policy(policy)
    return render(request, "officer/policy.html", {
        "policy": policy, "row": row, "usage": usage, "day": day, "errors": errors or {}, "form": shown,
        "caps": {office: day_capacity(lane_policy, u.total) for office, u in usage.items()}}, status=status)


@router.get("/policy", response_class=HTMLResponse)
def policy_page(request: Request, signed: Customs) -> Response:
    return _policy_page(request, signed)


@router.post("/policy")
async def set_policy(request: Request, signed: Admin) -> Response:
    form = await request.form()
    return await run_in_threadpool(_set_policy, request, signed, form)


def _set_policy(request: Request, signed: SignedIn, form: FormData) -> Response:
    try:
        body = parse(PolicyIn, nested(form.multi_items(), lines=["trusted_traders"]))
        with request.app.state.ctx.uow() as session:
            risk.set_policy(session, principal=signed.principal, body=body)
    except ClearwayError as exc:
        return _policy_page(request, signed, errors=_errors(exc), form=_shown(form), status=exc.status)
    return RedirectResponse("/officer/policy", status_code=303)
