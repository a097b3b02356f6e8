"""The trader's self-service portal (/trader/): lodge, upload, follow, pay, print; deferred account; parcels."""

from fastapi import APIRouter

from clearway.web.trader import account, declarations, lodge, parcels, upload

router = APIRouter(include_in_schema=False)
for _module in (declarations, lodge, upload, account, parcels):
    router.include_router(_module.router)
