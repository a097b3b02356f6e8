"""The TFA stock-take pages (/tfa) and the gender-in-customs pages (/gender)."""

from fastapi import APIRouter

from clearway.web.tfa import edit, gender, gender_edit, stocktake

router = APIRouter(include_in_schema=False)
router.include_router(edit.router)
router.include_router(stocktake.router)
router.include_router(gender_edit.router)
router.include_router(gender.router)
