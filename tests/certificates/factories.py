"""Certificates and declarations the tests build on (plain data)."""

from __future__ import annotations

import copy
from pathlib import Path

DATA = Path(__file__).parent / "data"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


EPHYTO = {
    "number": "TH2026-000123",
    "issuer": "Department of Agriculture, Plant Quarantine",
    "place_of_issue": "Bangkok",
    "authorised_officer": "Somchai Inspector",
    "consignor": {"name": "Siam Fresh Fruit Co., Ltd.", "address": ["99 Rama IV Road", "Bangkok 10110"],
                  "country": "TH"},
    "consignee": {"name": "Oz Fruit Importers Pty Ltd", "address": ["12 Market St", "Sydney NSW 2000"],
                  "country": "AU"},
    "origin": "TH",
    "destination": "AU",
    "points_of_entry": ["Sydney"],
    "conveyance": "sea",
    "conveyance_name": "MV Mekong Star",
    "distinguishing_marks": ["SFF/2026/45"],
    "products": [
        {"description": "Fresh mangosteen", "hs_code": "080450", "botanical_name": "Garcinia mangostana",
         "common_name": "Mangosteen", "net_weight_kg": "12000", "gross_weight_kg": "13100", "packages": 1200,
         "package_type": "CT", "intended_use": "consumption",
         "treatments": [{"type": "PHY", "method": "IRR", "text": "Irradiation 400 Gy minimum absorbed dose"}]},
        {"description": "Fresh durian", "hs_code": "081060", "botanical_name": "Durio zibethinus",
         "net_weight_kg": "8000", "packages": 400},
    ],
    "treatments": [{"type": "CHT", "chemical": "Fludioxonil", "concentration": "2.5", "duration_hours": "3",
                    "temperature_c": "25", "date": "2026-11-20T08:00:00Z"}],
    "additional_declarations": ["The consignment was inspected and found free of Bactrocera dorsalis."],
}


def ephyto(**changes) -> dict:
    data = copy.deepcopy(EPHYTO)
    data.update(changes)
    return data


# An import declaration citing the ePhyto above (mangosteen and durian need it; exercise books do not).
DECLARATION = {
    "lrn": "OZ-2026-0001", "type": "import", "economy": "AU", "office": "AUSYD",
    "declarant": {"id": "AU-ABN-51824753556", "name": "Oz Fruit Importers Pty Ltd"},
    "importer": {"id": "AU-ABN-51824753556", "name": "Oz Fruit Importers Pty Ltd", "country": "AU"},
    "exporter": {"name": "Siam Fresh Fruit Co Ltd", "country": "TH"},
    "transport": {"mode": "sea", "document": "MEKO123", "containers": []},
    "currency": "USD",
    "items": [
        {"hs_code": "080450", "description": "Mangosteen", "origin": "TH", "quantity": "12000", "unit": "kg",
         "net_weight_kg": "12100", "value": "30000"},
        {"hs_code": "08106000", "description": "Durian", "origin": "TH", "quantity": "8000", "unit": "kg",
         "value": "40000"},
        {"hs_code": "482020", "description": "Exercise books", "origin": "TH", "quantity": "10", "unit": "pcs",
         "value": "20"},
    ],
    "documents": [{"type": "ephyto", "reference": "TH2026-000123"}],
}


def declaration(**changes) -> dict:
    data = copy.deepcopy(DECLARATION)
    data.update(changes)
    return data
