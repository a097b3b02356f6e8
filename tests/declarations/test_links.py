"""Other domains find declarations by the containers and documents they carry."""

from clearway.db import transaction
from clearway.declarations import service
from clearway.declarations.schemas import DeclarationIn
from clearway.validation import parse
from tests.support import example


def test_by_container_and_by_document_on_both_backends(db, keys):
    who = keys.principal("declarant", "AU", "AU-ABN-11222333444")
    base = example("declaration-au-oranges.json")
    with transaction(db.factory) as s:
        a, _ = service.lodge(s, principal=who, decl=parse(DeclarationIn, {**base, "lrn": "A"}))
        other = {**base, "lrn": "B", "transport": {**base["transport"], "containers": ["CSQU3054383", "MSCU1234566"]},
                 "documents": [{"type": "ephyto", "reference": "OTHER"}]}
        b, _ = service.lodge(s, principal=who, decl=parse(DeclarationIn, other))
        ids = (a.id, b.id)
    with transaction(db.factory) as s:
        assert [d.id for d in service.by_container(s, container="mscu 123456-6")] == list(ids)
        assert [d.id for d in service.by_container(s, container="CSQU3054383")] == [ids[1]]
        assert [d.id for d in service.by_document(s, reference="CN-2026-PHY-000042", type="ephyto")] == [ids[0]]
        assert service.by_document(s, reference="CN-2026-PHY-000042", type="invoice") == []
        service.cancel(s, principal=who, mrn=a.mrn, reason="x")
    with transaction(db.factory) as s:
        assert [d.id for d in service.by_container(s, container="MSCU1234566")] == [ids[1]]
        assert len(service.by_container(s, container="MSCU1234566", open_only=False)) == 2
