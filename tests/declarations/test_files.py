"""Declarations in files (declarations.files): the CSV template reads back as the worked example, rows of one
LRN make one declaration, and each refusal lands on the row it concerns. No database."""

from __future__ import annotations

import pytest

from clearway.declarations import files
from clearway.declarations.schemas import DeclarationIn
from clearway.validation import parse
from tests.conftest import example


def test_the_template_reads_back_as_the_worked_example_declaration():
    [(lines, doc)] = files.read_csv(files.template())
    assert lines == [2]
    want = example("tariff-au-tshirts.json")
    doc.update(economy="AU", declarant=want["declarant"])
    decl = parse(DeclarationIn, doc)
    assert decl.items[0].hs_code == "610910" and decl.items[0].value == parse(DeclarationIn, want).items[0].value
    assert decl.transport.containers == ["MSCU1234566"]
    assert (decl.currency, decl.incoterm, str(decl.freight), str(decl.insurance)) == ("USD", "FOB", "100.00", "10.00")


def test_rows_of_one_lrn_are_one_declaration_and_errors_go_to_their_row():
    header, row = files.template().splitlines()
    second = row.replace("610910", "620520")
    other = row.replace("ACME-2026-TEE-0001", "B-2")
    text = "\n".join([header, row, other, second, ",,,"]) + "\n"
    groups = files.read_csv(text)
    assert [(lines, doc["lrn"], [i["hs_code"] for i in doc["items"]]) for lines, doc in groups] == [
        ([2, 4], "ACME-2026-TEE-0001", ["610910", "620520"]), ([3], "B-2", ["610910"])]
    assert files.line_of([2, 4], "items[1].hs_code") == 4
    assert files.line_of([2, 4], "office") == 2
    assert files.line_of([2, 4], "items[7].value") == 2


@pytest.mark.parametrize("text,reason", [
    ("lrn,colour\nA,red\n", "the header lacks the column(s) hs_code: download the template"),
    ("lrn,hs_code,colour\nA,1,red\n", "unknown column(s) colour: the columns are lrn, type,"),
])
def test_a_csv_with_the_wrong_columns_is_refused_whole(text, reason):
    with pytest.raises(ValueError) as exc:
        files.read_csv(text)
    assert str(exc.value).startswith(reason)


def test_a_row_without_its_lrn_is_refused_alone():
    header, row = files.template().splitlines()
    groups = files.read_csv("\n".join([header, "," + row.split(",", 1)[1], row]))
    assert groups[0] == ([2], "lrn: every row names the LRN of its declaration")
    assert groups[1][0] == [3]


def test_json_and_json_lines():
    assert files.split_documents('{"lrn": "A"}') == [(1, {"lrn": "A"})]
    assert files.split_documents('[{"lrn": "A"}, {"lrn": "B"}]') == [(1, {"lrn": "A"}), (2, {"lrn": "B"})]
    assert files.split_documents('{"lrn": "A"}\n\n{"lrn": \n') == [
        (1, {"lrn": "A"}), (3, "malformed JSON: Expecting value at column 9")]
