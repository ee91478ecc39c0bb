"""AI course tools through the API on moto: what each tool answers and writes, the metering around it (402 before
any AI call, retries charged once, failures charge and write nothing), the rate limit, the size limit, and the
Bedrock adapter end to end with a stubbed client."""

from __future__ import annotations

import dataclasses
import functools
import json
from types import SimpleNamespace

import pytest

from chalicelib.integrations.ai.text import sentences
from tests.support.ai import FERMENTATION, STARTERS, SpyModel
from tests.support.emulator import prebuilt_fixture


@pytest.fixture
def api(api):
    """The shared client, minting each user's token once."""
    api.token = functools.lru_cache(maxsize=None)(api.token)
    return api


@pytest.fixture
@prebuilt_fixture
def course(api):
    from chalicelib.services.courses.lessons import add_lesson
    from chalicelib.services.courses.modules import add_module

    api.creator("alice")
    product_id = api.product("alice", product_type="course", title="Sourdough at home", price_cents=4900)["product_id"]
    module_id = add_module("alice", product_id, {"title": "Fermentation"}).module_id

    def lesson(module: str, title: str, text: str) -> str:
        return add_lesson("alice", product_id, module, {"title": title, "content": text,
                                                        "content_type": "text"})["lesson_id"]

    lessons = [lesson(module_id, "Starters", STARTERS), lesson(module_id, "Bulk fermentation", FERMENTATION)]
    empty = add_module("alice", product_id, {"title": "Baking"}).module_id
    blank = lesson(empty, "Oven", "")
    return SimpleNamespace(product_id=product_id, module_id=module_id, lessons=lessons, empty_module=empty,
                           blank_lesson=blank)


@pytest.fixture
def model(monkeypatch) -> SpyModel:
    spy = SpyModel()
    monkeypatch.setattr("chalicelib.services.ai.tools.provider", lambda: spy)
    return spy


def post(api, path: str, body: dict, user: str = "alice", key: str | None = None):
    return api.call("POST", path, user, body, headers={"Idempotency-Key": key} if key else None)


def content(api, course) -> dict:
    return api.call("GET", f"/v1/products/{course.product_id}/content", "alice").json


def status(user: str = "alice") -> dict:
    from chalicelib.services.ai import usage

    return usage.status(user)


def ledger(user: str = "alice") -> list:
    from chalicelib.models import AiLedgerEntry

    return [row for row in AiLedgerEntry.query(user, consistent_read=True) if row.kind == "call"]


def course_items(product_id: str) -> list[str]:
    from chalicelib.models import CourseItem

    return sorted(item.sk for item in CourseItem.query(product_id, consistent_read=True))


def assert_nothing_charged(user: str = "alice") -> None:
    now = status(user)
    assert (now["used_tokens"], now["reserved_tokens"], now["usage_by_feature"]) == (0, 0, {})


# --- outline -----------------------------------------------------------------------------------------


def test_outline_is_drafted_from_the_request_and_not_written(api, course, model):
    before = course_items(course.product_id)
    response = post(api, f"/v1/products/{course.product_id}/ai/outline",
                    {"topic": "Sourdough at home", "description": STARTERS, "module_count": 3, "lessons_per_module": 2})
    assert response.status_code == 200, response.json
    outline = response.json
    assert len(outline["modules"]) == 3 and all(len(m["lessons"]) == 2 for m in outline["modules"])
    assert {m["summary"] for m in outline["modules"]} & set(sentences(STARTERS))
    assert outline["applied_modules"] is None
    usage = outline["usage"]
    assert usage["model"] == "offline-extractive-v1" and usage["total_tokens"] == usage["input_tokens"] + usage[
        "output_tokens"] > 0
    assert course_items(course.product_id) == before
    assert status()["usage_by_feature"] == {"outline": usage["total_tokens"]}
    assert status()["used_tokens"] == usage["total_tokens"]


def test_outline_applied_is_appended_to_the_course(api, course, model):
    response = post(api, f"/v1/products/{course.product_id}/ai/outline",
                    {"topic": "Sourdough at home", "description": FERMENTATION, "module_count": 2,
                     "lessons_per_module": 3, "apply": True})
    assert response.status_code == 200, response.json
    applied = response.json["applied_modules"]
    tree = content(api, course)
    assert [m["module_id"] for m in tree["modules"]][2:] == [m["module_id"] for m in applied]
    assert [m["title"] for m in tree["modules"][2:]] == [m["title"] for m in response.json["modules"]]
    assert [m["position"] for m in tree["modules"]] == [0, 1, 2, 3]
    from chalicelib.services.courses.store import load_body

    for written, drafted in zip(applied, response.json["modules"], strict=True):
        lessons = next(m for m in tree["modules"] if m["module_id"] == written["module_id"])["lessons"]
        assert [lesson["lesson_id"] for lesson in lessons] == written["lesson_ids"]
        assert [lesson["title"] for lesson in lessons] == [lesson["title"] for lesson in drafted["lessons"]]
        assert not any(lesson["is_free_preview"] for lesson in lessons)
        for lesson, draft in zip(lessons, drafted["lessons"], strict=True):
            assert load_body(course.product_id, lesson["lesson_id"]).content == draft["summary"]
    slugs = [lesson["slug"] for m in tree["modules"] for lesson in m["lessons"]]
    assert len(slugs) == len(set(slugs))
    product = api.call("GET", f"/v1/products/{course.product_id}", "alice").json
    assert (product["total_modules"], product["total_lessons"]) == (4, 3 + 6)


def test_outline_apply_is_all_or_nothing(api, course, model, monkeypatch):
    """A transaction that cannot commit writes no module, lesson or body, and charges nothing."""
    from chalicelib.models import CourseItem
    from chalicelib.services.ai import writes as ai_writes

    real = ai_writes._saves

    def with_a_failing_check(items):
        return [*real(items), lambda tx: tx.condition_check(CourseItem, course.product_id, "NO-SUCH-ITEM",
                                                            condition=CourseItem.sk.exists())]

    monkeypatch.setattr(ai_writes, "_saves", with_a_failing_check)
    before = course_items(course.product_id)
    response = post(api, f"/v1/products/{course.product_id}/ai/outline",
                    {"topic": "Sourdough", "description": STARTERS, "apply": True})
    assert response.status_code == 409, response.json
    assert course_items(course.product_id) == before
    assert_nothing_charged()
    assert [row.status for row in ledger()] == ["released"]


def test_outline_apply_respects_the_builders_child_limit(api, course, model, monkeypatch):
    monkeypatch.setattr("chalicelib.services.ai.writes.MAX_CHILDREN", 4)
    response = post(api, f"/v1/products/{course.product_id}/ai/outline",
                    {"topic": "Sourdough", "module_count": 3, "apply": True})
    assert response.status_code == 422 and "at most 4" in response.json["error"]["message"]
    assert model.calls == [] and ledger() == []  # refused before reserving or calling the model


def test_outline_only_for_courses(api, model):
    api.creator("alice")
    book = api.product("alice")["product_id"]
    response = post(api, f"/v1/products/{book}/ai/outline", {"topic": "Bread"})
    assert response.status_code == 422 and model.calls == []


# --- enhance -----------------------------------------------------------------------------------------


def test_enhance_returns_a_suggestion_and_apply_writes_the_reviewed_text(api, course, model):
    from chalicelib.services.courses.store import load_body

    lesson_id = course.lessons[0]
    path = f"/v1/products/{course.product_id}/lessons/{lesson_id}/ai/enhance"
    response = post(api, path, {"instructions": "shorter sentences"})
    assert response.status_code == 200, response.json
    suggestion = response.json
    assert suggestion["lesson_id"] == lesson_id and suggestion["content"].startswith("## Starters")
    assert set(suggestion["key_takeaways"]) <= set(sentences(STARTERS)) and suggestion["key_takeaways"]
    assert "The creator asks: shorter sentences" in model.calls[0].system
    assert load_body(course.product_id, lesson_id).content == STARTERS  # returned for review only

    reviewed = suggestion["content"] + "\nOne more line from the author."
    applied = post(api, f"{path}/apply", {"content": reviewed, "key_takeaways": suggestion["key_takeaways"][:2]})
    assert applied.status_code == 200, applied.json
    body = load_body(course.product_id, lesson_id)
    assert (body.content, list(body.key_takeaways)) == (reviewed, suggestion["key_takeaways"][:2])
    assert applied.json["content"] == reviewed and len(model.calls) == 1  # applying calls no model


def test_enhance_needs_text(api, course, model):
    response = post(api, f"/v1/products/{course.product_id}/lessons/{course.blank_lesson}/ai/enhance", {})
    assert response.status_code == 422 and model.calls == [] and ledger() == []
    missing = post(api, f"/v1/products/{course.product_id}/lessons/les_missing/ai/enhance", {})
    assert missing.status_code == 404


# --- quiz --------------------------------------------------------------------------------------------


def test_quiz_is_built_from_the_modules_lessons_and_saved_as_real_questions(api, course, model):
    path = f"/v1/products/{course.product_id}/modules/{course.module_id}/ai/quiz"
    response = post(api, path, {"question_count": 4, "apply": True})
    assert response.status_code == 200, response.json
    result = response.json
    lesson_sentences = set(sentences(STARTERS)) | set(sentences(FERMENTATION))
    assert len(result["questions"]) == 4
    for question in result["questions"]:
        source, quoted = question["explanation"].removeprefix("From “").split("”: ", 1)
        assert source in ("Starters", "Bulk fermentation") and quoted in lesson_sentences
    sent = model.calls[0]
    assert [s.title for s in sent.sources] == ["Starters", "Bulk fermentation"]

    quiz = result["applied_quiz"]
    assert quiz["scope"] == "module" and quiz["module_id"] == course.module_id and quiz["question_count"] == 4
    stored = api.call("GET", f"/v1/products/{course.product_id}/quizzes/{quiz['quiz_id']}/questions", "alice").json
    assert [(q["prompt"], q["options"], q["correct"]) for q in stored["questions"]] == [
        (q["prompt"], q["options"], q["correct"]) for q in result["questions"]]
    module = next(m for m in content(api, course)["modules"] if m["module_id"] == course.module_id)
    assert [q["quiz_id"] for q in module["quizzes"]] == [quiz["quiz_id"]]

    from chalicelib.services.catalog import products as catalog
    from tests.support.courses import grant

    catalog.publish_product("alice", course.product_id)
    grant("bob", course.product_id)
    answers = {q["question_id"]: q["correct"] for q in stored["questions"]}
    graded = api.call("POST", f"/v1/products/{course.product_id}/quizzes/{quiz['quiz_id']}/attempts", "bob",
                      {"answers": answers})
    assert graded.status_code in (200, 201), graded.json
    assert graded.json["score_percent"] == 100 and graded.json["is_passed"] is True


def test_quiz_needs_lesson_text(api, course, model):
    response = post(api, f"/v1/products/{course.product_id}/modules/{course.empty_module}/ai/quiz", {})
    assert response.status_code == 422 and model.calls == [] and ledger() == []


def test_a_quiz_with_an_invalid_question_is_refused_and_nothing_is_written_or_charged(api, course, model):
    model.answer = json.dumps({"title": "Quiz", "questions": [
        {"question_type": "multiple_choice", "prompt": "Which?", "options": ["a", "b"], "correct": [5]}]})
    before = course_items(course.product_id)
    response = post(api, f"/v1/products/{course.product_id}/modules/{course.module_id}/ai/quiz", {"apply": True})
    assert response.status_code == 502 and response.json["error"]["code"] == "ai_bad_output"
    assert course_items(course.product_id) == before
    assert_nothing_charged()
    assert [row.status for row in ledger()] == ["released"]


@pytest.mark.parametrize("answer", ["Sure! Here is your quiz.", '{"title": "Quiz", "questions": []}',
                                    '{"title": "Quiz", "questions": [{"question_type": "essay", "prompt": "Why?", '
                                    '"correct": [0]}]}', '[1, 2, 3]', '```json\n{"title": 3}\n```'])
def test_answers_that_are_not_the_asked_json_are_502(api, course, model, answer):
    model.answer = answer
    response = post(api, f"/v1/products/{course.product_id}/modules/{course.module_id}/ai/quiz", {"apply": True})
    assert response.status_code == 502 and response.json["error"]["code"] == "ai_bad_output"
    assert_nothing_charged()


def test_json_inside_code_fences_is_accepted(api, course, model):
    model.answer = '```json\n{"tagline": "Bake it", "description": "Real bread at home."}\n```'
    response = post(api, f"/v1/products/{course.product_id}/ai/description", {})
    assert response.status_code == 200 and response.json["tagline"] == "Bake it"


# --- description --------------------------------------------------------------------------------------


def test_description_from_the_product_and_its_outline_applied_on_request(api, course, model):
    path = f"/v1/products/{course.product_id}/ai/description"
    draft = post(api, path, {"tone": "professional"})
    assert draft.status_code == 200, draft.json
    assert draft.json["is_applied"] is False
    assert "- Fermentation: Starters, Bulk fermentation" in draft.json["description"]
    assert "professional sales description for this course" in model.calls[0].system
    product = api.call("GET", f"/v1/products/{course.product_id}", "alice").json
    assert product["description"] != draft.json["description"]

    applied = post(api, path, {"apply": True})
    assert applied.status_code == 200 and applied.json["is_applied"] is True
    product = api.call("GET", f"/v1/products/{course.product_id}", "alice").json
    assert product["description"] == applied.json["description"]


# --- metering: 402, idempotency, provider failures -----------------------------------------------------


def test_402_when_allowance_and_credits_cannot_cover_the_call_before_any_ai_call(api, course, model):
    from chalicelib.models import CreatorAccount
    from chalicelib.services.ai import credits

    status()  # initializes the allowance
    CreatorAccount("alice").update(actions=[CreatorAccount.ai_allowance_tokens.set(100)])
    before = course_items(course.product_id)
    response = post(api, f"/v1/products/{course.product_id}/ai/outline", {"topic": "Sourdough", "apply": True})
    assert response.status_code == 402 and response.json["error"]["code"] == "ai_allowance_exhausted"
    assert model.calls == [] and course_items(course.product_id) == before and ledger() == []
    assert_nothing_charged()

    credits.add_credits("alice", 20_000, reference="pack-1")
    response = post(api, f"/v1/products/{course.product_id}/ai/outline", {"topic": "Sourdough", "apply": True})
    assert response.status_code == 200, response.json
    used = response.json["usage"]["total_tokens"]
    after = status()
    assert after["used_tokens"] == 100 and after["remaining_tokens"] == 0  # the allowance first
    assert after["credit_balance_tokens"] == 20_000 - (used - 100)  # the rest from credits, to the token


def test_a_retry_with_the_same_key_is_answered_once_and_charged_once(api, course, model):
    path = f"/v1/products/{course.product_id}/ai/outline"
    body = {"topic": "Sourdough", "description": STARTERS, "module_count": 2, "apply": True}
    first = post(api, path, body, key="outline-7f3a")
    again = post(api, path, body, key="outline-7f3a")
    assert first.status_code == again.status_code == 200
    assert again.json == first.json and first.json["usage"]["request_id"] == "outline-7f3a"
    assert len(model.calls) == 1
    assert len(content(api, course)["modules"]) == 2 + 2  # written once
    assert status()["used_tokens"] == first.json["usage"]["total_tokens"]

    other = post(api, path, {**body, "topic": "Rye"}, key="outline-7f3a")
    assert other.status_code == 409 and len(model.calls) == 1
    assert other.json["error"]["code"] == "idempotency_key_reused"
    elsewhere = post(api, f"/v1/products/{course.product_id}/ai/description", {}, key="outline-7f3a")
    assert elsewhere.status_code == 409 and len(model.calls) == 1
    assert elsewhere.json["error"]["code"] == "idempotency_key_reused"
    fresh = post(api, path, body)  # no key: a new request every time
    assert fresh.status_code == 200 and len(model.calls) == 2


def test_a_failed_call_can_be_retried_with_its_key(api, course, model):
    path = f"/v1/products/{course.product_id}/ai/description"
    model.answer = "no json"
    assert post(api, path, {}, key="desc-1").status_code == 502
    model.answer = None
    retried = post(api, path, {}, key="desc-1")
    assert retried.status_code == 200 and len(model.calls) == 2
    assert status()["used_tokens"] == retried.json["usage"]["total_tokens"]


def test_a_malformed_idempotency_key_is_400(api, course, model):
    response = post(api, f"/v1/products/{course.product_id}/ai/description", {}, key="has spaces")
    assert response.status_code == 400 and model.calls == []


def test_oversized_content_is_413_before_anything_is_reserved(api, course, model, monkeypatch):
    from chalicelib.config import get_settings
    from chalicelib.services.courses import lessons

    small = dataclasses.replace(get_settings(), ai_max_input_chars=3_000)
    monkeypatch.setattr("chalicelib.services.ai.tools.get_settings", lambda: small)
    lessons.update_lesson("alice", course.product_id, course.lessons[0], {"content": STARTERS * 12})
    response = post(api, f"/v1/products/{course.product_id}/lessons/{course.lessons[0]}/ai/enhance", {})
    assert response.status_code == 413 and "at most 3,000" in response.json["error"]["message"]
    quiz = post(api, f"/v1/products/{course.product_id}/modules/{course.module_id}/ai/quiz", {})
    assert quiz.status_code == 413
    assert model.calls == [] and ledger() == []
    ok = post(api, f"/v1/products/{course.product_id}/lessons/{course.lessons[1]}/ai/enhance", {})
    assert ok.status_code == 200


def test_the_rate_limit_answers_429_with_retry_after(api, course, model, monkeypatch):
    from chalicelib.config import get_settings

    limit = get_settings().ai_rate_limit_per_minute
    clock = [1_800_000_000.0 + 15]  # 15 s into a window
    monkeypatch.setattr("chalicelib.services.core.rate_limit.time", SimpleNamespace(time=lambda: clock[0]))
    path = f"/v1/products/{course.product_id}/ai/description"
    assert [post(api, path, {}).status_code for _ in range(limit)] == [200] * limit
    refused = post(api, path, {})
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "45"
    assert len(model.calls) == limit
    api.creator("carol")  # every creator has their own window
    carols = api.product("carol")["product_id"]
    assert post(api, f"/v1/products/{carols}/ai/description", {}, user="carol").status_code == 200
    clock[0] += 45  # the next window
    assert post(api, path, {}).status_code == 200


def test_bedrock_end_to_end_with_a_stubbed_client(api, course, monkeypatch):
    """The pro tier's model id goes to Bedrock; the usage Bedrock reports is what is charged; throttling that
    outlasts the retries is a 503 that charges nothing."""
    import boto3
    from botocore.stub import ANY, Stubber

    from chalicelib.integrations.ai.bedrock import MAX_ATTEMPTS, BedrockModel
    from chalicelib.services.ai import periods

    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    bedrock = BedrockModel(region="us-east-1", models={"starter": "model-starter", "pro": "model-pro"},
                           client=client, sleep=lambda _: None)
    monkeypatch.setattr("chalicelib.services.ai.tools.provider", lambda: bedrock)
    periods.set_tier("alice", "pro")
    text = json.dumps({"tagline": "Real bread", "description": "Bake sourdough at home."})
    with Stubber(client) as stub:
        stub.add_response("converse", {
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 321, "outputTokens": 54, "totalTokens": 375}, "metrics": {"latencyMs": 900}},
            {"modelId": "model-pro", "system": ANY, "messages": ANY,
             "inferenceConfig": {"maxTokens": 1_200, "temperature": 0.3}})
        response = post(api, f"/v1/products/{course.product_id}/ai/description", {"apply": True})
        assert response.status_code == 200, response.json
        assert response.json["usage"] == {"request_id": response.json["usage"]["request_id"], "model": "model-pro",
                                          "input_tokens": 321, "output_tokens": 54, "total_tokens": 375}
        assert status()["used_tokens"] == 375 and status()["tier"] == "pro"
        assert [row.model for row in ledger()] == ["model-pro"]

        for _ in range(MAX_ATTEMPTS):
            stub.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
        busy = post(api, f"/v1/products/{course.product_id}/ai/description", {})
        stub.assert_no_pending_responses()
    assert busy.status_code == 503 and busy.json["error"]["code"] == "ai_unavailable"
    assert int(busy.headers["Retry-After"]) > 0
    assert status()["used_tokens"] == 375 and status()["reserved_tokens"] == 0


# --- the offline model's answers are usable: applied outlines feed quizzes, counts are met or refused up front ---


STEPS = """Mixing: combine flour, water and starter until no dry flour remains, then rest it for an hour.
Bulk fermentation: let the dough rise for four to six hours, folding it every half hour to build strength.
Shaping: pre-shape the dough into a round, rest it, then shape a tight boule and place it in a floured basket.
Proofing: retard the shaped loaf overnight in the fridge so the flavour deepens.
Baking: bake in a preheated Dutch oven, lid on for twenty minutes, then lid off until deep brown."""


def test_an_applied_outline_keeps_the_topics_in_order_and_its_lessons_make_a_full_quiz(api, course, model):
    from chalicelib.services.courses.store import load_body

    response = post(api, f"/v1/products/{course.product_id}/ai/outline",
                    {"topic": "Sourdough", "description": STEPS, "module_count": 5, "lessons_per_module": 2,
                     "apply": True})
    assert response.status_code == 200, response.json
    assert [m["title"] for m in response.json["modules"]] == ["Mixing", "Bulk fermentation", "Shaping", "Proofing",
                                                              "Baking"]
    first = response.json["applied_modules"][0]
    bodies = [load_body(course.product_id, lesson_id).content for lesson_id in first["lesson_ids"]]
    assert len(set(bodies)) == 2 and STEPS not in bodies  # each lesson holds its own text
    quiz = post(api, f"/v1/products/{course.product_id}/modules/{first['module_id']}/ai/quiz",
                {"question_count": 2, "apply": True})
    assert quiz.status_code == 200, quiz.json
    assert len(quiz.json["questions"]) == 2 and quiz.json["applied_quiz"]["question_count"] == 2


def test_a_quiz_the_lessons_cannot_fill_is_422_before_anything_is_reserved(api, course, model):
    from chalicelib.services.courses.lessons import add_lesson
    from chalicelib.services.courses.modules import add_module

    module_id = add_module("alice", course.product_id, {"title": "Tips"}).module_id
    tips = "Fold the dough gently. Rest it well. Bake it hot."  # three facts
    add_lesson("alice", course.product_id, module_id, {"title": "Tips", "content": tips, "content_type": "text"})
    path = f"/v1/products/{course.product_id}/modules/{module_id}/ai/quiz"
    short = add_module("alice", course.product_id, {"title": "Short"}).module_id
    add_lesson("alice", course.product_id, short, {"title": "Tiny", "content": "Fold. Rest. Bake!",
                                                   "content_type": "text"})
    for target, asked in ((path, 4), (f"/v1/products/{course.product_id}/modules/{short}/ai/quiz", 1)):
        response = post(api, target, {"question_count": asked, "apply": True})
        assert response.status_code == 422, response.json
        assert response.json["error"]["details"][0]["loc"] == ["body", "question_count"]
    assert model.calls == [] and ledger() == []
    assert_nothing_charged()
    response = post(api, path, {"question_count": 3, "apply": True})  # as many as the lessons hold: met exactly
    assert response.status_code == 200 and len(response.json["questions"]) == 3
