"""Pages for the plant-protection organisation (the NPPO desk, /nppo/) (issue 12). Modules here define routers; this package's `router` includes them.
Routes take the signed-in user from clearway.web.session.require_page_user and render with
clearway.web.templating.render."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
