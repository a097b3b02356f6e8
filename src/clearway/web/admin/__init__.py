"""The administrator's pages: people who sign in (users) and machines (API keys)."""

from clearway.web.admin.pages import router

__all__ = ["router"]
