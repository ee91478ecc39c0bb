"""Locally every email is also an .eml file in the runtime's state folder (`<state>/mail`), its path in the log: a new
user claims the free demo ebook over HTTP and finds the receipt there, a real MIME message with text and HTML."""

from __future__ import annotations

import email
import email.policy
import time


def test_a_free_claim_leaves_its_receipt_as_an_eml_file(stack):
    user = "e2e-mail-reader"
    assert stack.call("GET", "/v1/me", user).json()["email"] == f"{user}@example.com"
    explore = stack.call("GET", "/v1/products", params={"product_type": "ebook"}).json()["items"]
    product_id = next(item["product_id"] for item in explore if item["slug"] == "pricing-playbook-for-creators")
    claimed = stack.call("POST", f"/v1/products/{product_id}/checkout", user, body={})
    assert claimed.status_code in (200, 201), claimed.text
    folder = stack.state_dir / "mail"
    deadline, found = time.monotonic() + 10, []
    while time.monotonic() < deadline and not found:
        found = [path for path in folder.glob("*.eml") if f"To: {user}@example.com" in path.read_text()]
        time.sleep(0.2)
    assert len(found) == 1, stack.log()
    message = email.message_from_string(found[0].read_text(), policy=email.policy.default)
    assert message["Subject"] == "It is yours: The Pricing Playbook for Independent Creators"
    assert f"/library/{product_id}" in message.get_body(("plain",)).get_content()
    assert "<!doctype html>" in message.get_body(("html",)).get_content()
