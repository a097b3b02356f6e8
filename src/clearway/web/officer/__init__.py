"""Pages for customs officers (the workbench, /officer/) (issue 12). Modules here define routers; this package's `router` includes them.
Routes take the signed-in user from clearway.web.session.require_page_user and render with
clearway.web.templating.render."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
