"""Who may do what with seals, their events' refusals and their alerts. No database here: each rule is a
named predicate, and a resource's list and its single read both filter by the same one, so they cannot
disagree about what an officer sees."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true

from clearway.auth.core import Principal, is_admin, is_customs  # noqa: F401  (access.is_customs, the seal rule)

# Seals are customs business (is_customs): officers of an economy, and the installation's admins.


def of_own_economy(principal: Principal, economy: Any) -> ColumnElement[bool]:
    """The one access rule of every container resource that belongs to an economy (a seal and its journey,
    the refusal of an event sent by an economy's gateway, an alert on a journey): its officers read it,
    admins read every economy's. Callers check `is_customs` first."""
    return true() if is_admin(principal) else economy == principal.economy


def affix_refusal(principal: Principal, *, loading: str, destination: str) -> str | None:
    """A journey belongs to the economy of the officer who seals it, who must be the customs of its loading
    or its destination office: an officer cannot put seals (and so alerts and holds) on another economy's
    routes. The reason for a refusal, else None. `loading` and `destination` are the offices' economies."""
    if principal.economy in (loading, destination):
        return None
    place = f"offices of {loading}" if loading == destination else f"offices of {loading} and {destination}"
    return (f"the loading and destination offices are {place}: an officer of {principal.economy} seals "
            f"only journeys from or to an office of {principal.economy}")
