"""AI course tools over real HTTP in the local runtime (offline provider): draft an outline into a course, enhance
a lesson, generate a quiz from it, and see the metered tokens on the creator dashboard."""

from __future__ import annotations

import uuid


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def test_creator_drafts_a_course_with_ai_and_sees_the_tokens_on_the_dashboard(stack):
    creator = f"ai-teacher-{uuid.uuid4().hex[:6]}"
    ok(stack.call("POST", "/v1/creator/account", creator, body={"display_name": "AI Teacher"}), 201)
    pid = ok(stack.call("POST", "/v1/products", creator, body={
        "product_type": "course", "title": "Sourdough at home", "pricing_type": "fixed", "price_cents": 2900,
        "description": "Bake bread"}), 201)["product_id"]
    before = ok(stack.call("GET", "/v1/creator/dashboard", creator))["ai_allowance"]
    assert (before["tier"], before["total_tokens"], before["used_tokens"]) == ("starter", 1_000_000, 0)

    key = {"Idempotency-Key": f"outline-{creator}"}
    body = {"topic": "Sourdough baking", "module_count": 2, "lessons_per_module": 2, "apply": True,
            "description": "Feeding a starter keeps its yeast active. Hydration sets how open the crumb gets. "
                          "A long cold proof develops flavour. Scoring lets the loaf expand in the oven."}
    outline = ok(stack.call("POST", f"/v1/products/{pid}/ai/outline", creator, body=body, headers=key))
    assert outline["usage"]["model"] == "offline-extractive-v1" and outline["usage"]["total_tokens"] > 0
    assert len(outline["applied_modules"]) == 2
    again = ok(stack.call("POST", f"/v1/products/{pid}/ai/outline", creator, body=body, headers=key))
    assert again["usage"] == outline["usage"]  # the retry is the same answer, charged once
    detail = ok(stack.call("GET", f"/v1/products/{pid}", creator))
    assert detail["total_lessons"] == 4 and len(detail["outline"]) == 2  # written once, not twice

    module = outline["applied_modules"][0]
    lesson_id = module["lesson_ids"][0]
    ok(stack.call("PATCH", f"/v1/products/{pid}/lessons/{lesson_id}", creator, body={
        "content": "A starter is flour and water fermented by wild yeast and bacteria. Feed it daily to keep it "
                   "active. A ripe starter doubles within eight hours and smells pleasantly sour."}))
    enhanced = ok(stack.call("POST", f"/v1/products/{pid}/lessons/{lesson_id}/ai/enhance", creator, body={}))
    assert enhanced["key_takeaways"] and enhanced["usage"]["total_tokens"] > 0
    quiz = ok(stack.call("POST", f"/v1/products/{pid}/modules/{module['module_id']}/ai/quiz", creator,
                         body={"question_count": 2, "apply": True}))
    assert quiz["applied_quiz"]["quiz_id"] and len(quiz["applied_quiz"]["questions"]) >= 1

    after = ok(stack.call("GET", "/v1/creator/dashboard", creator))
    spent = sum(r["usage"]["total_tokens"] for r in (outline, enhanced, quiz))
    assert after["ai_allowance"]["used_tokens"] == spent
    assert after["ai_allowance"]["remaining_tokens"] == 1_000_000 - spent
    assert set(after["ai_usage_by_feature"]) >= {"outline", "enhance", "quiz"}
    assert after["products_by_type"]["course"] == 1

    stranger = f"ai-other-{uuid.uuid4().hex[:6]}"
    ok(stack.call("POST", "/v1/creator/account", stranger, body={"display_name": "Other"}), 201)
    assert stack.call("POST", f"/v1/products/{pid}/ai/outline", stranger, body=body).status_code == 404
