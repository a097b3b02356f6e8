"""The NPPO desk (/nppo/): issue an ePhyto from a form, check it, see it signed and printable, replace and
withdraw it, and follow each certificate's exchange through the hub."""

from clearway.web.nppo.pages import router

__all__ = ["router"]
