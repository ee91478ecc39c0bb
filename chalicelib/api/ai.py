"""AI course tools (the product's owner only; each call metered against the creator's AI allowance).

An `Idempotency-Key` header makes a retry safe: the same key returns the first answer, charged once.
"""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)
P = "/v1/products/{product_id}"


def _tools():
    from chalicelib.services.ai import tools

    return tools


AI_ERRORS = (402, 403, 409, 429, 502, 503)  # 403: not a creator; 409: archived, or the same key running


@route(bp, f"{P}/ai/outline", "POST", summary="Draft a course outline with AI (apply: add it to the course)",
       tag="ai", body="ai.OutlineRequest", response="ai.OutlineResult", idempotent=True, errors=AI_ERRORS)
def outline(call: Call, product_id: str) -> dict:
    return _tools().outline(call.user_id, product_id, call.body.model_dump(), call.idempotency_key)


@route(bp, f"{P}/lessons/{{lesson_id}}/ai/enhance", "POST",
       summary="Improve a lesson's text with AI and suggest key takeaways, for review", tag="ai",
       body="ai.EnhanceRequest", response="ai.EnhanceResult", idempotent=True, errors=AI_ERRORS)
def enhance(call: Call, product_id: str, lesson_id: str) -> dict:
    return _tools().enhance(call.user_id, product_id, lesson_id, call.body.model_dump(), call.idempotency_key)


@route(bp, f"{P}/lessons/{{lesson_id}}/ai/enhance/apply", "POST",
       summary="Write the reviewed text and takeaways into the lesson", tag="ai", body="ai.EnhanceApply",
       response="course.LessonOut", errors=(403, 409, 429))
def apply_enhancement(call: Call, product_id: str, lesson_id: str) -> dict:
    return _tools().apply_enhancement(call.user_id, product_id, lesson_id, call.body.model_dump())


@route(bp, f"{P}/modules/{{module_id}}/ai/quiz", "POST",
       summary="Generate quiz questions from a module's lessons with AI (apply: save them as a quiz)", tag="ai",
       body="ai.QuizRequest", response="ai.QuizResult", idempotent=True, errors=AI_ERRORS)
def quiz(call: Call, product_id: str, module_id: str) -> dict:
    return _tools().quiz(call.user_id, product_id, module_id, call.body.model_dump(), call.idempotency_key)


@route(bp, f"{P}/ai/description", "POST",
       summary="Write a product description and tagline with AI (apply: save the description)", tag="ai",
       body="ai.DescriptionRequest", response="ai.DescriptionResult", idempotent=True, errors=AI_ERRORS)
def description(call: Call, product_id: str) -> dict:
    return _tools().description(call.user_id, product_id, call.body.model_dump(), call.idempotency_key)
