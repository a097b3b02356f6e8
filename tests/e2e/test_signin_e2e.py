"""Signing in, the admin's pages and the CSRF refusal in real headless Chromium, with axe-core on each page
and a screenshot of each under test-results/."""

from __future__ import annotations

from tests.e2e.axe import check_page, no_sideways_scroll
from tests.web.support import PASSWORD, make_user, sign_in


def test_an_officer_asks_for_a_page_signs_in_and_lands_on_it(db, server, page):
    make_user(db, "olga", "officer", full_name="Olga Officer")
    page.goto(server.url + "/alerts?status=closed")
    assert page.url == server.url + "/login?next=/alerts%3Fstatus%3Dclosed"
    check_page(page, "login")
    page.fill("#username", "olga")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.wait_for_url("**/alerts?status=closed")
    assert page.locator("#signed-in").inner_text() == "Signed in as Olga Officer (officer, AU)"
    check_page(page, "alerts-signed-in")
    page.click("#sign-out")
    page.wait_for_url("**/login")
    page.goto(server.url + "/alerts")
    assert "/login?next=/alerts" in page.url


def test_the_admin_creates_a_user_with_field_errors_beside_the_fields_and_manages_keys(db, server, page):
    make_user(db, "root", "admin")
    sign_in(page, server, "root")
    assert page.url.endswith("/admin/")
    check_page(page, "admin")
    page.fill("#f-username", "tina")
    page.fill("#f-password", "short")
    page.evaluate("document.getElementById('f-password').removeAttribute('minlength')")  # the server's check
    page.select_option("#f-role", "declarant")
    page.select_option("#f-economy", "CL")
    page.click("#create-user")
    assert page.locator("#password-error").inner_text() == "must be at least 15 characters long (it has 5)"
    assert page.locator("#party-error").inner_text() == "a declarant user must name the party id they act for"
    assert page.locator("#f-username").input_value() == "tina"  # nothing typed is lost
    check_page(page, "admin-field-errors")
    page.fill("#f-password", PASSWORD)
    page.fill("#f-party", "CL-RUT-765432101")
    page.click("#create-user")
    row = page.locator("#user-list tr[data-user=tina]")
    assert row.locator("td").all_inner_texts()[2:5] == ["declarant", "CL", "CL-RUT-765432101"]

    page.select_option("#k-role", "officer")
    page.select_option("#k-economy", "PE")
    page.fill("#k-label", "manifest robot")
    page.click("#create-key")
    key = page.locator("#new-key").inner_text()
    assert key.startswith("cw_")
    import httpx

    assert httpx.get(server.url + "/api/v1/declarations", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    key_row = page.locator("#key-list tr", has_text="manifest robot")
    key_row.get_by_role("button", name="Revoke").click()
    assert "revoked" in page.locator("#key-list tr", has_text="manifest robot").inner_text()
    assert httpx.get(server.url + "/api/v1/declarations", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_a_form_posted_without_its_csrf_token_is_refused(db, server, page):
    make_user(db, "root", "admin")
    sign_in(page, server, "root")
    page.evaluate("document.querySelector('#new-user input[name=csrf]').remove()")
    page.fill("#f-username", "mallory")
    page.fill("#f-password", PASSWORD)
    page.click("#create-user")
    assert page.locator("h1").inner_text() == "Refused (403)"
    assert "security token is missing or out of date" in page.locator("#refusal").inner_text()
    check_page(page, "csrf-refused")
    page.goto(server.url + "/admin/")
    assert page.locator("#user-list tr[data-user=mallory]").count() == 0


def test_pages_fit_a_phone_and_speak_spanish_when_the_browser_asks(db, server, browser):
    make_user(db, "root", "admin")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL")
    try:
        page = context.new_page()
        sign_in(page, server, "root")
        for path in ("/login", "/admin/", "/hs?q=naranjas"):
            page.goto(server.url + path)
            assert no_sideways_scroll(page), path
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("#sign-out").inner_text() == "Cerrar sesión"
        check_page(page, "phone-es-hs")
    finally:
        context.close()
