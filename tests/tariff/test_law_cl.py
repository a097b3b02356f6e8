"""Chile under Ley 21.713 (remote purchases from 2025-10-25): goods up to USD 500 bought from a platform
registered with the SII carry the 19% VAT in the price and clear without VAT and without the 6% ad valorem
duty; bought from an unregistered seller they pay both at import (Servicio Nacional de Aduanas, "compras online
internacionales: IVA se pagará en las plataformas", 2025-10-03; SII and MundoMaritimo, 2025-10-25/27: "siempre
que la plataforma esté inscrita en el SII, lo que además permitirá eximirse del pago del 6% de arancel").
Before: the USD 41 franchise for duty and VAT. Each assertion failed on the code before these rules."""

from datetime import date
from decimal import Decimal as D

from clearway.tariff import schedule
from tests.tariff.helpers import assess, decl, lines
from tests.tariff.parcel_pair import amounts, single_amounts, single_and_bulk

CL = schedule.parse_document({"economy": "CL", "currency": "CLP", "measures": [
    {"code": "610910", "type": "mfn", "rate": "6%",
     "legal_basis": "Arancel Aduanero de Chile, general ad valorem 6%"}]})
RATES = {"USD": D("940")}
NOV = date(2025, 11, 15)


def _tee(value: str, **extra):
    return decl("CL", [{"hs_code": "610910", "value": value}], "USD", office="CLSCL", **extra)


def test_vat_collected_by_a_registered_platform_is_not_charged_again_and_the_duty_is_waived():
    a = assess(_tee("100.00", vendor_registration="SII-PLATFORM-1"), on=NOV, rates=RATES, sched=CL)
    assert (a.duty, a.tax, a.total_due) == (D("0"), D("0"), D("0"))
    assert "not charged again" in lines(a, "tax")[0].decision and "Ley 21.713" in lines(a, "tax")[0].decision


def test_an_unregistered_seller_s_goods_pay_duty_and_vat_at_import():
    # USD 100 at 940 CLP = 94,000 CLP; duty 6% = 5,640; VAT 19% of 99,640 = 18,931.6 -> 18,932.
    a = assess(_tee("100.00"), on=NOV, rates=RATES, sched=CL)
    assert (a.duty, a.tax, a.total_due) == (D("5640"), D("18932"), D("24572"))
    assert a.de_minimis["duty_waived"] is False


def test_over_usd_500_duty_and_vat_even_from_a_registered_platform():
    # USD 600 = 564,000 CLP; duty 6% = 33,840; VAT 19% of 597,840 = 113,589.6 -> 113,590.
    a = assess(_tee("600.00", vendor_registration="SII-PLATFORM-1"), on=NOV, rates=RATES, sched=CL)
    assert (a.duty, a.tax) == (D("33840"), D("113590"))


def test_before_2025_10_25_the_usd_41_franchise():
    assert assess(_tee("40.00"), on=date(2025, 10, 24), rates=RATES, sched=CL).total_due == 0
    # from 2025-10-25, unregistered: 37,600 CLP; duty 6% = 2,256; VAT 19% of 39,856 = 7,573
    assert assess(_tee("40.00"), on=date(2025, 10, 25), rates=RATES, sched=CL).total_due == D("9829")


def test_bulk_path_applies_the_same_chilean_rules():
    for vendor, total in ((None, D("24572")), ("SII-PLATFORM-1", D("0"))):
        row, single = single_and_bulk("CL", {"hs_code": "610910", "value": "100.00", "currency": "USD",
                                             "vendor_registration": vendor}, NOV, RATES, CL)
        assert amounts(row) == single_amounts(single) and single.total_due == total, row
