"""The officer's workbench (/officer/): the queue, one declaration's case file and its control, targeting
rules, the lane policy and capacity, deferred accounts and guarantees. Seal alerts keep their pages (/alerts)."""

from fastapi import APIRouter

from clearway.web.officer import accounts, cases, targeting

router = APIRouter(include_in_schema=False)
for _module in (cases, targeting, accounts):
    router.include_router(_module.router)

__all__ = ["router"]
