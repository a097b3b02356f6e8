"""Which origins qualify for each agreement column or programme code of the publications. No database here.

Each entry: the column or code as the publication writes it -> (agreement name claimed in
`items[].preference`, the ISO 3166-1 origins that qualify). A column whose beneficiaries are not in the
publication (GSP lists set by decree, expired programmes, non-origin programmes) maps to None with the
reason, and is not imported: a claim under it gets the MFN rate with that reason, never a guessed list.

Membership as in force in 2026 (parties that have ratified), from the agreements' depositary notices."""

from __future__ import annotations

ASEAN = ("BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN")
EU = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
      "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE")
CPTPP = ("AU", "BN", "CA", "CL", "JP", "MY", "MX", "NZ", "PE", "SG", "VN", "GB")
RCEP = ("AU", "BN", "KH", "CN", "ID", "JP", "KR", "LA", "MY", "NZ", "PH", "SG", "TH", "VN")  # Myanmar: not in force
PACIFIC_FORUM = ("CK", "FJ", "KI", "MH", "FM", "NR", "NU", "PW", "PG", "WS", "SB", "TO", "TV", "VU")


def _without(members: tuple[str, ...], *own: str) -> tuple[str, ...]:
    return tuple(m for m in members if m not in own)


Entry = tuple[str, tuple[str, ...]] | None

# Japan: columns of the 実行関税率表 (Customs Tariff Schedule)
JP: dict[str, Entry] = {
    "EPA_シンガポール": ("JP-SG EPA", ("SG",)), "EPA_メキシコ": ("JP-MX EPA", ("MX",)),
    "EPA_マレーシア": ("JP-MY EPA", ("MY",)), "EPA_チリ": ("JP-CL EPA", ("CL",)), "EPA_タイ": ("JP-TH EPA", ("TH",)),
    "EPA_インドネシア": ("JP-ID EPA", ("ID",)), "EPA_ブルネイ": ("JP-BN EPA", ("BN",)),
    "EPA_アセアン": ("AJCEP", ASEAN), "EPA_フィリピン": ("JP-PH EPA", ("PH",)), "EPA_スイス": ("JP-CH EPA", ("CH",)),
    "EPA_ベトナム": ("JP-VN EPA", ("VN",)), "EPA_インド": ("JP-IN CEPA", ("IN",)), "EPA_ペルー": ("JP-PE EPA", ("PE",)),
    "EPA_豪州": ("JP-AU EPA", ("AU",)), "EPA_モンゴル": ("JP-MN EPA", ("MN",)), "EPA_CPTPP": ("CPTPP", _without(CPTPP, "JP")),
    "EPA_欧州連合": ("JP-EU EPA", EU), "EPA_英国": ("JP-GB CEPA", ("GB",)),
    "EPA_RCEP_アセアン豪州NZ": ("RCEP-ASEAN-AU-NZ", _without(RCEP, "JP", "CN", "KR")),
    "EPA_RCEP_中国": ("RCEP-CN", ("CN",)), "EPA_RCEP_韓国": ("RCEP-KR", ("KR",)),
    "EPA_日米貿易協定": ("JP-US TA", ("US",)),
    "特恵": None, "特別特恵": None,  # GSP and LDC preferences: beneficiaries set by cabinet order, not in the file
}
JP_SKIP_REASON = "GSP beneficiaries are designated by cabinet order and are not in the publication"

# United States: programme codes of the HTS Special column (General Note 3(c)(i))
US: dict[str, Entry] = {
    "AU": ("AUSFTA", ("AU",)), "BH": ("US-BH FTA", ("BH",)), "CL": ("US-CL FTA", ("CL",)),
    "CO": ("US-CO TPA", ("CO",)), "IL": ("US-IL FTA", ("IL",)), "JO": ("US-JO FTA", ("JO",)),
    "KR": ("KORUS", ("KR",)), "MA": ("US-MA FTA", ("MA",)), "OM": ("US-OM FTA", ("OM",)),
    "P": ("CAFTA-DR", ("CR", "DO", "SV", "GT", "HN", "NI")), "PA": ("US-PA TPA", ("PA",)),
    "PE": ("US-PE TPA", ("PE",)), "S": ("USMCA", ("CA", "MX")), "SG": ("US-SG FTA", ("SG",)),
    "JP": ("US-JP TA", ("JP",)), "NP": ("Nepal preference", ("NP",)),
}
US_SKIP = {
    "A": "GSP: expired 2020-12-31 and beneficiaries are set by proclamation", "A+": "GSP (least developed)",
    "A*": "GSP with country exclusions per line", "D": "AGOA: eligible countries are set by proclamation each year",
    "E": "CBERA: designated beneficiaries are not in the file", "E*": "CBERA with exclusions",
    "R": "CBTPA: designated beneficiaries are not in the file", "J": "ATPA: expired", "J*": "ATPA: expired",
    "B": "Automotive Products Trade Act: not an origin preference", "C": "Agreement on Trade in Civil Aircraft: "
    "not an origin preference", "K": "Pharmaceutical zero-for-zero: not an origin preference",
    "L": "Uruguay Round dye intermediates: not an origin preference", "S+": "USMCA quota lines (chapter 98/99)",
    "P+": "CAFTA-DR quota lines (chapter 98/99)",
}

# New Zealand: the rate columns of the tariff spreadsheet (glosses per SOURCE.md)
NZ: dict[str, Entry] = {
    "AAN": ("AANZFTA", ASEAN + ("AU",)), "AU": ("ANZCERTA", ("AU",)), "CA": ("NZ-CA", ("CA",)),
    "CN": ("NZ-CN FTA", ("CN",)), "CPT": ("CPTPP", _without(CPTPP, "NZ")), "GB": ("NZ-GB", ("GB",)),
    "HK": ("NZ-HK CEP", ("HK",)), "KR": ("NZ-KR FTA", ("KR",)), "MY": ("MNZFTA", ("MY",)),
    "Pac": ("Pacific Islands", PACIFIC_FORUM), "SG": ("NZ-SG CEP", ("SG",)), "TH": ("NZ-TH CEP", ("TH",)),
    "TPA": ("P4", ("BN", "CL", "SG")), "TW": ("ANZTEC", ("TW",)),
    "LDC": None, "LLDC": None, "PPP": None,
}
NZ_SKIP_REASON = "the beneficiary list of this column is not in the publication"

# Australia: preference codes inside the Schedule 3 rate text; DC/DCS/DCT/FI/LDC lists come from Schedule 1
AU_NAMED: dict[str, Entry] = {"CA": ("AU-CA", ("CA",)), "MY": ("MAFTA", ("MY",)), "NZ": ("ANZCERTA", ("NZ",)),
                              "PG": ("PATCRA", ("PG",)), "SG": ("SAFTA", ("SG",))}
