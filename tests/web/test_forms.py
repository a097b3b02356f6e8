"""Form fields named by the API's paths, read back into the API's JSON (web.forms). No database."""

from __future__ import annotations

from clearway.web.forms import flatten, prune, unflatten


def test_fields_named_by_api_paths_become_the_api_document_and_back():
    fields = [("csrf", "t"), ("action", "quote"), ("lrn", "A-1"), ("transport.mode", "sea"),
              ("transport.containers[0]", "MSCU1234566"), ("transport.containers[1]", ""),
              ("items[0].hs_code", "610910"), ("items[0].value", " 2000.00 "), ("items[3].hs_code", ""),
              ("bad..name", "x"), ("items[x].hs_code", "y")]
    doc = unflatten(fields)
    assert doc == {"lrn": "A-1", "transport": {"mode": "sea", "containers": ["MSCU1234566", ""]},
                   "items": [{"hs_code": "610910", "value": "2000.00"}, {"hs_code": ""}]}
    # an empty row stays on the form; the API gets it as an empty item (and names its missing fields)
    assert prune(doc) == {"lrn": "A-1", "transport": {"mode": "sea", "containers": ["MSCU1234566"]},
                          "items": [{"hs_code": "610910", "value": "2000.00"}, {}]}
    assert flatten(prune(doc)) == {"lrn": "A-1", "transport.mode": "sea", "transport.containers[0]": "MSCU1234566",
                                   "items[0].hs_code": "610910", "items[0].value": "2000.00"}


def test_a_removed_row_leaves_no_hole():
    doc = unflatten([("items[0].hs_code", "1"), ("items[2].hs_code", "3")])
    assert doc == {"items": [{"hs_code": "1"}, {"hs_code": "3"}]}
