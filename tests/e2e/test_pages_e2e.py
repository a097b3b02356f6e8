"""The public pages a broker sees first, in a real browser."""


def test_home_and_hs_finder(db, server, page):
    page.goto(server.url + "/")
    assert page.title() == "Clearway"
    page.click("text=Find an HS 2022 code")
    page.fill("input[name=q]", "fresh oranges")
    page.click("button[type=submit]")
    page.wait_for_selector("#results")
    first = page.locator("#results tbody tr").first
    assert first.locator("code").inner_text() == "080510"
    assert "oranges" in first.inner_text()
    # why it was found: the subheading's trade names that share the search's rarest words
    assert first.locator("small.names").inner_text() == "Known as: fresh oranges, oranges, navel oranges"
    page.goto(server.url + "/hs?q=zzzzqqq")
    assert "No subheading matches" in page.locator("#results").inner_text()
