"""The shipped measure list: Section I of the TFA as the WTO TFA Database divides it
(https://www.tfadatabase.org/methodology: 36 measures in 12 articles)."""

from clearway.tfa import measures


def test_thirty_six_measures_in_twelve_articles_in_treaty_order():
    found = measures.all_measures()
    assert len(found) == 36
    assert {m.article for m in found.values()} == set(range(1, 13))
    ids = list(found)
    assert ids[:4] == ["1.1", "1.2", "1.3", "1.4"] and ids[-2:] == ["11", "12"]
    assert ids.index("10.9") > ids.index("10.2")  # numeric, not text, order


def test_article_seven_titles_match_the_agreement():
    # Titles of Art. 7 as in https://tfadatabase.org/en/tfa-text/article/7
    assert measures.get("7.1").title == "Pre-arrival processing"
    assert measures.get("7.6").title == "Establishment and publication of average release times"
    assert measures.get("10.4").title == "Single window"
    assert measures.get("10.4").notification_article == "10.4.3"
    assert measures.get("5.3").customs_related is False
    assert measures.get("99") is None
