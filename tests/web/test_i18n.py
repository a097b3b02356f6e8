"""Page text lives in message catalogues: every message of every template has its Spanish translation, and
the catalogue holds nothing the templates no longer say. `make messages` re-extracts; then translate."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from clearway.web import i18n

WEB = Path(i18n.__file__).parent


def template_messages() -> set[str]:
    found = extract_from_dir(str(WEB / "templates"), method_map=[("**.html", "jinja2")],
                             options_map={"**.html": {"extensions": "jinja2.ext.i18n"}})
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found}


def test_every_template_message_is_translated_to_spanish_and_none_is_stale():
    wanted = template_messages()
    assert len(wanted) > 50 and "Sign in" in wanted
    with (i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(f) if m.id}
    assert sorted(wanted - set(catalogue)) == [], "untranslated: run `make messages` and translate"
    assert sorted(set(catalogue) - wanted) == [], "stale entries: run `make messages`"
    assert [k for k, m in catalogue.items() if not m.string or m.fuzzy] == []


def test_the_catalogue_is_what_the_pages_say():
    assert i18n.gettext("es", "Sign out") == "Cerrar sesión"
    assert i18n.gettext("en", "Sign out") == "Sign out"
    assert i18n.gettext("es", "a sentence no template has") == "a sentence no template has"
