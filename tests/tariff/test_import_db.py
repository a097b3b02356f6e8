"""Whole-schedule imports into the database, on SQLite and PostgreSQL (the `db` fixture), through the
command line as a user runs it and through the service the demo uses."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from clearway.db import transaction
from clearway.tariff import service
from clearway.tariff.importers import shipped, store
from clearway.tariff.models import TariffMeasure
from tests.tariff.helpers import decl
from tests.cli_support import run

# Real rows of the USITC HTS 2025 CSV export (htsdata.csv of Oneusg/Customs, public domain), lines 1-13 and
# 1227-1241 of the file (0402.99 trimmed to three lines), plus the 0711.20.18.00 row that has a rate on
# drained weight.
HTS = '''HTS Number,Indent,Description,Unit of Quantity,General Rate of Duty,Special Rate of Duty,Column 2 Rate of Duty,Quota Quantity,Additional Duties
0101,0,"Live horses, asses, mules and hinnies:",,,,,,
,1,Horses:,,,,,,
0101.21.00,2,Purebred breeding animals,,Free,,Free,,
0101.21.00.10,3,Males,"[""No.""]",Free,,,,
0101.21.00.20,3,Females,"[""No.""]",Free,,,,
0101.29.00,2,Other,,Free,,20%,,
0101.30.00.00,1,Asses,"[""No.""]",6.80%,"Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)",15%,,
0101.90,1,Other:,,6.80%,,,,
0101.90.30.00,2,Imported for immediate slaughter,"[""No.""]",Free,,Free,,
0101.90.40.00,2,Other,"[""No.""]",4.50%,"Free (A+,AU,BH,CL,CO,D,E, IL,JO,KR,MA,OM,P,PA,PE,S, SG)",20%,,
0402.99,2,Other:,,31.3¢/kg,,,,
0402.99.03.00,5,In airtight containers,"[""kg""]",3.9¢/kg,"Free (A+,AU,BH,CL,CO,D,E, IL,JO,KR,MA,OM,P,PA,PE,S, SG)",6¢/kg,,
0402.99.90.00,4,Other,"[""kg"",""kg cmsc""]",46.3¢/kg + 14.9%,"Free (BH,CL,JO,KR,MA,OM,P,PE,SG) 3¢/kg + 0.9% (PA) See 9822.04.25 (AU) See 9823.07.01-9823.07.07 (S+) See 9918.04.60, 9918.04.62 (CO)",54.5¢/kg + 17.5%,,
0711.20.18.00,4,Other,"[""kg""]",3.7¢/kg on drained weight,"Free (A+,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)",7.7¢/kg on drained weight,,
'''
ON = date(2026, 12, 1)


def test_cli_import_on_both_backends_refuses_by_code_and_quotes_with_legal_text(db, tmp_path):
    path = tmp_path / "hts.csv"
    path.write_text(HTS, encoding="utf-8")
    strict = run(db, "tariff", "import", "--format", "us-hts-csv", str(path), "--strict")
    assert strict.returncode == 2
    assert strict.stderr.strip().splitlines()[-1].startswith(
        "error: 1 lines refused (first: 0711.20.18.00 [General] '3.7¢/kg on drained weight': ")
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(TariffMeasure)) == 0  # nothing stored
    report = tmp_path / "report.csv"
    done = run(db, "tariff", "import", "--format", "us-hts-csv", str(path), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert "US: 8 lines read" in done.stdout and "1 refused" in done.stdout
    assert "refused 0711.20.18.00 [General]" in done.stderr
    assert "refused,0711.20.18.00,General,3.7¢/kg on drained weight," in report.read_text("utf-8")
    with transaction(db.factory) as s:
        sched = service.schedule_for(s, "US")
        assert service.schedule_for(s, "US") is sched  # read once per change, not per quote
        asses = decl("US", [{"hs_code": "0101300000", "origin": "CL", "value": "2000.00", "preference": "US-CL FTA"}],
                     "USD", documents=[{"type": "certificate_of_origin", "reference": "C-1"}])
        got = service.calculate(s, asses, ON)
        duty = [x for x in got.lines if x.kind == "duty"][0]
        assert (duty.rate, duty.amount, duty.decision) == ("Free", Decimal("0.00"),
                                                           "preference US-CL FTA applied (origin CL)")
        milk = decl("US", [{"hs_code": "0402999000", "origin": "NZ", "value": "1000.00", "quantity": "100",
                            "unit": "kg"}], "USD")
        duty = [x for x in service.calculate(s, milk, ON).lines if x.kind == "duty"][0]
        # 46.3¢/kg x 100 kg + 14.9% x 1,000.00 = 46.30 + 149.00
        assert (duty.rate, duty.amount) == ("0.463 USD/kg + 14.9%", Decimal("195.30"))
        assert duty.legal_basis.endswith("column 1 General")
        assert any(m.type == "fee" for m in sched.measures)  # the shipped US fees stay beside the import
        assert store.unrated_lines(s, "US") == ["0711201800"]
    cov = run(db, "tariff", "coverage", "US")
    assert cov.returncode == 0 and "of 5612 HS 2022 subheadings have an applied rate" in cov.stdout
    line = run(db, "tariff", "line", "US", "0101.90.40.00")
    assert '"rate": "4.5%"' in line.stdout and "Imported for immediate slaughter" not in line.stdout


def test_bad_format_and_bad_file_exit_2_with_one_line(db, tmp_path):
    bad = run(db, "tariff", "import", "--format", "xx-csv", str(tmp_path))
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: --format: 'xx-csv' is not one of")
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    done = run(db, "tariff", "import", "--format", "us-hts-csv", str(junk))
    assert done.returncode == 2 and "not a us-hts-csv publication" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_shipped_schedule_loads_beside_the_demo_measures_on_both_backends(db):
    with transaction(db.factory) as s:
        done = shipped.load(s, economy="AU")
    assert done["measures"] == len(shipped.document("AU")["measures"])
    with transaction(db.factory) as s:
        sched = service.schedule_for(s, "AU")
        assert sched.find("mfn", "95045090", ON)[0].rate == "Free"  # staged to Free from 2019-07-01
        assert sched.find("mfn", "95045090", date(2018, 12, 1))[0].rate == "3.75%"
        assert sched.find("mfn", "300241", ON)  # chapter 30 is not in the AU data: the demo line stays
        assert sched.find("excise", "220421", ON)  # wine equalisation tax of the demo schedule stays
        info = service.line_info(s, economy="AU", code="95045090", on=ON)
        assert info["measures"][0]["source"].startswith("Australian Border Force, Working Tariff")
    with transaction(db.factory) as s:  # loading again replaces, never doubles
        shipped.load(s, economy="AU")
        total = s.scalar(select(func.count()).select_from(TariffMeasure).where(TariffMeasure.economy == "AU"))
    assert total == done["measures"] + done["kept_or_added_other"]
