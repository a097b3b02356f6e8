"""/admin/essential-goods: the economy's administrator edits its essential-goods list from a page, over
real HTTP with a signed-in session and the form's CSRF token (the same service as the API: its rules are
tested in tests/risk/test_essential_goods.py)."""

from __future__ import annotations

from tests.web.support import csrf_of, make_user, signed_in_as


def test_the_admin_adds_and_removes_with_a_reason_and_others_are_refused(db, server):
    make_user(db, "ada", "admin", economy="AU")
    make_user(db, "otto", "officer", economy="AU")
    with signed_in_as(server, "ada") as c:
        page = c.get("/admin/essential-goods")
        assert page.status_code == 200 and 'data-subheading="630790"' in page.text
        token = csrf_of(page.text)
        bad = c.post("/admin/essential-goods", data={"subheading": "0805", "reason": "x", "action": "add",
                                                     "csrf": token})
        assert bad.status_code == 422 and "an HS subheading is 6 digits" in bad.text
        r = c.post("/admin/essential-goods", data={"subheading": "0805.10", "reason": "citrus for vitamin C",
                                                   "action": "add", "csrf": token})
        assert r.status_code == 303, r.text
        r = c.post("/admin/essential-goods", data={"subheading": "630790", "reason": "no longer short",
                                                   "action": "remove", "csrf": token})
        assert r.status_code == 303
        listed = c.get("/admin/essential-goods").text
        oranges = listed.split('data-subheading="080510"')[1].split("</tr>")[0]
        assert "added" in oranges and "admin:AU@ada" in oranges and "citrus for vitamin C" in oranges
        masks = listed.split('data-subheading="630790"')[1].split("</tr>")[0]
        assert "removed" in masks and "no longer short" in masks
        forged = c.post("/admin/essential-goods", data={"subheading": "080510", "reason": "x", "action": "remove"})
        assert forged.status_code in (400, 403)
    with signed_in_as(server, "otto") as c:
        assert c.get("/admin/essential-goods").status_code == 403
