"""Browser forms as the API's nested data (clearway.web.forms.nested): field names are API paths."""

from __future__ import annotations

import pytest

from clearway.web.forms import nested


def test_paths_rows_and_textarea_lines():
    got = nested([("csrf", "token"), ("number", " AU2026-1 "), ("consignor.name", "Grower Ltd"),
                  ("consignor.address", "1 Orchard Rd\n\nMildura"), ("products[0].hs_code", "080510"),
                  ("products[0].treatments[0].type", "FUM"), ("products[1].hs_code", ""),
                  ("products[2].description", "Lemons"), ("additional_declarations", "AD one\r\nAD two\n")],
                 lines=["consignor.address", "additional_declarations"])
    assert got == {"number": "AU2026-1", "consignor": {"name": "Grower Ltd", "address": ["1 Orchard Rd", "Mildura"]},
                   "products": [{"hs_code": "080510", "treatments": [{"type": "FUM"}]}, {"description": "Lemons"}],
                   "additional_declarations": ["AD one", "AD two"]}


@pytest.mark.parametrize("name", ["a..b", ".a", "[0]", "a[x]", "a[999]", "a]", "a[0]b"])
def test_names_that_are_not_paths_are_ignored(name):
    assert nested([(name, "v"), ("ok", "1")]) == {"ok": "1"}


def test_a_value_and_a_path_below_it_keep_the_first():
    assert nested([("a", "1"), ("a.b", "2")]) == {"a": "1"}
    assert nested([("a.b", "2"), ("a", "1")]) == {"a": {"b": "2"}}
