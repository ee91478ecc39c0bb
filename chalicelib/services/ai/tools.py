"""AI course tools for a product's owner: course outline, lesson enhancement, module quiz, product description.

Every tool runs through `_metered` (the order of checks is the package's protocol), so a bad answer or a failed
write charges and writes nothing. The reservation is `input bound + max output tokens`, where the input bound counts
ASCII at 3 characters per token (English averages ~4) and any other character as a whole token, plus the message
framing: an upper bound for the models we use, so the metering never has to clamp what a call really used.

This is the one service that imports `schemas/`: a model's answer is untrusted input arriving mid-service and is
validated with the same schemas (and the builder's question rules) a creator's own input meets.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.config import get_settings
from chalicelib.errors import Conflict, IdempotencyKeyReused, InvalidInput, NotFound, PayloadTooLarge
from chalicelib.integrations.ai import provider
from chalicelib.integrations.ai.types import AiRequest, Source
from chalicelib.models.course import CourseItem, LessonBody, body_sk
from chalicelib.schemas.ai import DescriptionDraft, EnhanceDraft, OutlineDraft, QuizDraft
from chalicelib.services.accounts import users
from chalicelib.services.ai import metering, prompts
from chalicelib.services.ai.errors import AiBadOutput
from chalicelib.services.ai.writes import check_room, write_outline, write_quiz
from chalicelib.services.catalog import products
from chalicelib.services.core import rate_limit
from chalicelib.services.courses import lessons, quizzes, store
from chalicelib.services.courses.outline import Outline

MAX_OUTPUT_TOKENS = {"outline": 3_000, "enhance": 8_000, "quiz": 4_000, "description": 1_200}
FRAMING_TOKENS = 64


@dataclass(frozen=True)
class AiCall:
    user_id: str
    tier: str
    request_id: str
    fingerprint: str  # what was asked: a key reused for anything else is refused


def input_token_bound(text: str) -> int:
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return math.ceil(ascii_chars / 3) + (len(text) - ascii_chars) + FRAMING_TOKENS


def _begin(user_id: str, idempotency_key: str | None, *what: Any) -> AiCall:
    account = users.require_creator(user_id)
    rate_limit.ai_request(user_id)
    fingerprint = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()
    return AiCall(user_id, account.ai_allowance_tier or "starter", idempotency_key or uuid.uuid4().hex, fingerprint)


def _metered(call: AiCall, feature: str, request: AiRequest, what: str,
             finish: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    limit = get_settings().ai_max_input_chars
    if request.input_chars > limit:
        raise PayloadTooLarge(
            f"{what} is too long for the AI tools: {request.input_chars:,} characters with the instructions, "
            f"at most {limit:,}", [{"loc": ["body"], "msg": "input too long", "type": "too_long",
                                   "size": request.input_chars, "limit": limit}])
    model_api = provider()
    model = model_api.model_for(call.tier)
    max_output = MAX_OUTPUT_TOKENS[feature]

    def run() -> tuple[dict[str, Any], int]:
        completion = model_api.generate(request, model=model, max_tokens=max_output)
        answer = finish(parse_answer(completion.text))
        usage = {"request_id": call.request_id, "model": completion.model, "input_tokens": completion.input_tokens,
                 "output_tokens": completion.output_tokens, "total_tokens": completion.total_tokens}
        return {**answer, "usage": usage, "fingerprint": call.fingerprint}, completion.total_tokens

    result = dict(metering.metered(call.user_id, feature=feature, request_id=call.request_id, model=model,
                                   max_tokens=input_token_bound(request.system + request.prompt) + max_output,
                                   run=run))
    if result.pop("fingerprint", None) != call.fingerprint:
        raise IdempotencyKeyReused("this Idempotency-Key was already used for a different request")
    return result


def parse_answer(text: str) -> dict[str, Any]:
    """The JSON object in a model's answer (code fences and chatter around it are tolerated)."""
    start, end = text.find("{"), text.rfind("}")
    try:
        data = json.loads(text[start:end + 1]) if 0 <= start < end else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise AiBadOutput("the AI model did not answer with the JSON asked for; nothing was saved or charged")
    return data


def validated(schema: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        details = [{"loc": ["answer", *e["loc"]], "msg": e["msg"], "type": e["type"]}
                   for e in exc.errors(include_url=False, include_context=False, include_input=False)[:10]]
        raise AiBadOutput("the AI model's answer broke the expected shape; nothing was saved or charged",
                         details) from None


# --- the tools ---------------------------------------------------------------------------------------


def outline(user_id: str, product_id: str, body: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
    """A course outline from a topic; with `apply`, appended to the course as new modules and lessons."""
    call = _begin(user_id, idempotency_key, "outline", product_id, body)
    store.owned_course(user_id, product_id)
    if body["apply"]:
        check_room(len(store.load_outline(product_id).modules) + body["module_count"], "course")
    request = prompts.outline(body["topic"], body["description"], body["audience"], body["module_count"],
                                 body["lessons_per_module"])

    def finish(data: dict[str, Any]) -> dict[str, Any]:
        draft = validated(OutlineDraft, data)
        applied = write_outline(product_id, draft, call.request_id) if body["apply"] else None
        return {**draft.model_dump(mode="json"), "applied_modules": applied}

    return _metered(call, "outline", request, "the outline request", finish)


def enhance(user_id: str, product_id: str, lesson_id: str, body: dict[str, Any],
            idempotency_key: str | None) -> dict[str, Any]:
    """Improved markdown and key takeaways for a lesson, returned for review (nothing is written)."""
    call = _begin(user_id, idempotency_key, "enhance", product_id, lesson_id, body)
    store.owned_course(user_id, product_id)
    lesson = store.load_outline(product_id).lesson(lesson_id)
    if lesson is None:
        raise NotFound("lesson not found")
    lesson_body = store.load_body(product_id, lesson_id)
    content = lesson_body.content if lesson_body else ""
    if not content.strip():
        raise InvalidInput("the lesson has no text to enhance yet")
    request = prompts.enhance(lesson.title, content, body["instructions"])

    def finish(data: dict[str, Any]) -> dict[str, Any]:
        return {**validated(EnhanceDraft, data).model_dump(mode="json"), "lesson_id": lesson_id}

    return _metered(call, "enhance", request, "the lesson", finish)


def apply_enhancement(user_id: str, product_id: str, lesson_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Write the reviewed text into the lesson through the builder (its lock and rules); no AI call."""
    users.require_creator(user_id)
    return lessons.update_lesson(user_id, product_id, lesson_id,
                                 {"content": body["content"], "key_takeaways": body["key_takeaways"]})


def _check_question_capacity(sources: list[Source], questions: int) -> None:
    """A model that cannot write `questions` questions from these lessons (the offline one writes one per fact)
    is refused here, before anything is reserved or charged; Bedrock has no such limit."""
    available = provider().max_questions(sources)
    if available is not None and available < questions:
        raise InvalidInput(
            f"the module's lessons hold {available} sentence(s) a question can be built from; ask for at most "
            f"{available} question(s) or add lesson text",
            [{"loc": ["body", "question_count"], "msg": f"at most {available}", "type": "too_many_questions",
              "available": available}])


def quiz(user_id: str, product_id: str, module_id: str, body: dict[str, Any],
         idempotency_key: str | None) -> dict[str, Any]:
    """Questions from the module's lessons, each checked like a creator's own; with `apply`, saved as a quiz."""
    call = _begin(user_id, idempotency_key, "quiz", product_id, module_id, body)
    store.owned_course(user_id, product_id)
    current = store.load_outline(product_id)
    module = current.module(module_id)
    if module is None:
        raise NotFound("module not found")
    sources = _lesson_texts(product_id, current, module_id)
    if not sources:
        raise InvalidInput("the module's lessons have no text to build questions from")
    if body["apply"]:
        check_room(len(current.quizzes_of("module", module_id)) + 1, "module's quiz list")
    _check_question_capacity(sources, body["question_count"])
    request = prompts.quiz(module.title, sources, body["question_count"])

    def finish(data: dict[str, Any]) -> dict[str, Any]:
        draft = validated(QuizDraft, data)
        try:
            questions = [quizzes.check_question(q.model_dump()) for q in draft.questions]
        except InvalidInput as exc:
            raise AiBadOutput("the AI model wrote a question that is not a valid question; nothing was saved or "
                             "charged", exc.details) from None
        applied = write_quiz(product_id, module_id, draft.title, questions, call.request_id) if body["apply"] else None
        return {"title": draft.title, "questions": questions, "applied_quiz": applied}

    return _metered(call, "quiz", request, "the module's lessons", finish)


def _lesson_texts(product_id: str, current: Outline, module_id: str) -> list[Source]:
    """The module's lessons with text, in order: one BatchGetItem of their bodies."""
    module_lessons = current.lessons_of(module_id)
    bodies = {item.lesson_id: item for item in CourseItem.batch_get([(product_id, body_sk(lesson.lesson_id))
                                                                     for lesson in module_lessons])
              if isinstance(item, LessonBody)}
    return [Source(lesson.title, bodies[lesson.lesson_id].content) for lesson in module_lessons
            if lesson.lesson_id in bodies and bodies[lesson.lesson_id].content.strip()]


def description(user_id: str, product_id: str, body: dict[str, Any], idempotency_key: str | None) -> dict[str, Any]:
    """A tagline and a description from the product (and a course's outline); with `apply`, saved on the product."""
    call = _begin(user_id, idempotency_key, "description", product_id, body)
    product = products.get_owned(user_id, product_id)
    if body["apply"] and product.status == "archived":
        raise Conflict("archived products cannot be edited")
    items = []
    if product.product_type == "course":
        current = store.load_outline(product_id, consistent=False)
        items = [f"{m.title}: {', '.join(lesson.title for lesson in current.lessons_of(m.module_id))}"
                 for m in current.modules]
    request = prompts.description(products.state_of(product), items, body["tone"])

    def finish(data: dict[str, Any]) -> dict[str, Any]:
        draft = validated(DescriptionDraft, data)
        if body["apply"]:
            products.update_product(user_id, product_id, {"description": draft.description})
        return {**draft.model_dump(mode="json"), "is_applied": body["apply"]}

    return _metered(call, "description", request, "the product", finish)
