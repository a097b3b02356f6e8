"""The administrator's pages: people who sign in (users), machines (API keys) and the economy's
essential-goods list."""

from fastapi import APIRouter

from clearway.web.admin import essential, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(essential.router)

__all__ = ["router"]
