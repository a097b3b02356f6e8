"""Page text in message catalogues (Babel's .po files under web/locale/), so that an economy can translate
the pages. English is the text of the templates; Spanish is shipped. The .po files are read when the app
starts: nothing needs compiling on a fresh machine. `make messages` re-extracts the templates' text.

A signed-in user's own language wins; else the browser's Accept-Language; else English."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import Locale
from babel.core import UnknownLocaleError
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
OFFERED = ("en", "es")
NAMES = {"en": "English", "es": "Español"}


@cache
def catalogue(language: str) -> dict[str, str | tuple[str, ...]]:
    """msgid -> translation (a tuple of plural forms for plural messages); empty for English."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not path.is_file():
        return {}
    with path.open("rb") as f:
        cat = read_po(f, locale=language)
    out: dict[str, str | tuple[str, ...]] = {}
    for message in cat:
        if not message.id or message.fuzzy or not message.string:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        out[key] = tuple(message.string) if isinstance(message.string, tuple) else message.string
    return out


def gettext(language: str, text: str) -> str:
    found = catalogue(language).get(text)
    return found if isinstance(found, str) and found else text


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    found = catalogue(language).get(singular)
    if isinstance(found, tuple) and len(found) >= 2 and all(found):
        # English and Spanish share the plural rule n != 1 (CLDR); other languages would need Babel's rule.
        return found[0] if n == 1 else found[1]
    return singular if n == 1 else plural


def negotiate(accept_language: str | None) -> str:
    """The best offered language for an Accept-Language header (RFC 9110 section 12.5.4, q-values)."""
    wanted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            wanted.append((q, tag.strip()))
    for _, tag in sorted(wanted, key=lambda w: -w[0]):
        try:
            language = Locale.parse(tag.replace("-", "_")).language if tag != "*" else DEFAULT
        except (UnknownLocaleError, ValueError):
            continue
        if language in OFFERED:
            return language
    return DEFAULT
