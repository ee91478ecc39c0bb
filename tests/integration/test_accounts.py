"""Display names and the creators' public profiles: unique handles, the profile on product pages and explore cards,
never the email."""

from __future__ import annotations

import pytest

from tests.support.emulator import count_calls


def profile_patch(api, user, **changes):
    return api.call("PATCH", "/v1/creator/account", user, changes)


def test_a_user_sets_their_display_name(api):
    response = api.call("PATCH", "/v1/me", "bob", {"display_name": "  Bob Builder "})
    assert response.status_code == 200 and response.json["display_name"] == "Bob Builder"
    assert api.call("GET", "/v1/me", "bob").json["display_name"] == "Bob Builder"
    for body in ({"display_name": ""}, {"display_name": None}, {"display_name": "x" * 81}, {"email": "a@b.c"}):
        assert api.call("PATCH", "/v1/me", "bob", body).status_code in (400, 422), body
    assert api.call("GET", "/v1/me", "bob").json["display_name"] == "Bob Builder"


def test_a_creator_edits_the_public_profile_and_anyone_reads_it_by_id_or_handle(api):
    api.creator("alice")
    links = [{"label": "Blog", "url": "https://alice.example.com"}]
    response = profile_patch(api, "alice", handle="Alice_Bakes", bio="I bake.", links=links,
                             avatar_url="https://cdn.example.com/a.png", display_name="Alice B.")
    assert response.status_code == 200, response.json
    assert response.json["handle"] == "alice_bakes" and response.json["bio"] == "I bake."
    expected = {"user_id": "alice", "display_name": "Alice B.", "handle": "alice_bakes", "bio": "I bake.",
                "avatar_url": "https://cdn.example.com/a.png", "links": links}
    for ref in ("alice", "alice_bakes", "ALICE_BAKES"):
        public = api.call("GET", f"/v1/creators/{ref}")  # no token needed
        assert public.status_code == 200 and public.json == expected, ref
        assert "example.com" not in public.body.decode().replace("alice.example.com", "").replace(
            "cdn.example.com", "")  # never the email (alice@example.com)
    cleared = profile_patch(api, "alice", bio=None, links=None)
    assert cleared.status_code == 200 and cleared.json["bio"] is None and cleared.json["links"] is None
    assert api.call("GET", "/v1/creators/alice").json["handle"] == "alice_bakes"  # untouched fields stay


@pytest.mark.parametrize("body", [
    {"handle": "ab"}, {"handle": "a" * 31}, {"handle": "-alice"}, {"handle": "alice-"}, {"handle": "al ice"},
    {"handle": "álice"}, {"avatar_url": "http://x.example.com/a.png"}, {"links": [{"label": "x", "url": "ftp://x"}]},
    {"links": [{"label": "l", "url": "https://x.example.com"}] * 11}, {"display_name": None}, {"email": "x@y.z"},
])
def test_bad_profile_input_is_refused_and_nothing_changes(api, body):
    api.creator("alice")
    assert profile_patch(api, "alice", handle="alice").status_code == 200
    response = profile_patch(api, "alice", **body)
    assert response.status_code in (400, 422), response.json
    assert api.call("GET", "/v1/creators/alice").json["handle"] == "alice"


def test_handles_are_unique_and_a_change_frees_the_old_one(api):
    from chalicelib.models import CreatorHandle

    api.creator("alice")
    api.creator("carol")
    assert profile_patch(api, "alice", handle="baker").status_code == 200
    taken = profile_patch(api, "carol", handle="BAKER", bio="mine")
    assert taken.status_code == 409 and taken.json["error"]["code"] == "handle_taken"
    assert api.call("GET", "/v1/creator/account", "carol").json["bio"] is None  # nothing written
    assert profile_patch(api, "alice", handle="alice-bakes").status_code == 200
    assert api.call("GET", "/v1/creators/baker").status_code == 404
    assert profile_patch(api, "carol", handle="baker").status_code == 200  # the old handle is free again
    assert api.call("GET", "/v1/creators/baker").json["user_id"] == "carol"
    assert profile_patch(api, "carol", handle=None).status_code == 200
    assert sorted((h.handle, h.user_id) for h in CreatorHandle.scan()) == [("alice-bakes", "alice")]
    assert profile_patch(api, "alice", handle="alice-bakes").status_code == 200  # keeping one's own handle is fine


def test_no_profile_for_non_creators_unknown_refs_or_other_callers(api):
    api.call("GET", "/v1/me", "bob")
    for ref in ("bob", "nobody", "x" * 300):
        response = api.call("GET", f"/v1/creators/{ref}")
        assert response.status_code == 404 and response.json["error"]["code"] == "creator_not_found", ref
    assert profile_patch(api, "bob", bio="hi").status_code == 403  # not a creator


def test_a_handle_cannot_shadow_another_creators_id(api):
    api.creator("alice")
    api.creator("carol")
    assert profile_patch(api, "carol", handle="alice").status_code == 200
    assert api.call("GET", "/v1/creators/alice").json["user_id"] == "alice"


def test_the_product_page_and_explore_cards_show_the_creators_profile(api):
    api.creator("alice")
    api.creator("carol")
    profile_patch(api, "alice", handle="alice", avatar_url="https://cdn.example.com/a.png", bio="Baker")
    product = api.published("alice")
    for _ in range(3):
        api.published("carol")
    detail = api.call("GET", f"/v1/products/{product['product_id']}").json
    assert detail["creator"] == {"user_id": "alice", "display_name": "Alice", "handle": "alice", "bio": "Baker",
                                 "avatar_url": "https://cdn.example.com/a.png", "links": []}
    assert "alice@example.com" not in str(detail)
    with count_calls() as calls:
        page = api.call("GET", "/v1/products").json
    # the page's creators in one BatchGet and its products' rating figures in another, whatever the page holds
    assert calls == {"Query": 1, "BatchGetItem": 2}
    creators = {card["product_id"]: card["creator"] for card in page["items"]}
    assert creators[product["product_id"]] == {"user_id": "alice", "display_name": "Alice", "handle": "alice",
                                               "avatar_url": "https://cdn.example.com/a.png"}
    assert sorted(c["user_id"] for c in creators.values()) == ["alice", "carol", "carol", "carol"]
    # a profile change shows at once: nothing is copied onto the listing rows
    profile_patch(api, "alice", display_name="Alice the Baker")
    page = api.call("GET", "/v1/products").json
    assert {c["creator"]["display_name"] for c in page["items"]} == {"Alice the Baker", "Carol"}
