"""The Bedrock adapter against botocore's Stubber: the Converse request shape, usage parsing, bounded retries with
backoff on throttling (the sleep is injected: nothing sleeps for real), and clean errors."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.config import Settings
from chalicelib.errors import ServiceUnavailable
from chalicelib.integrations.ai.bedrock import MAX_ATTEMPTS, BedrockModel
from chalicelib.integrations.ai.types import AiRequest, Source

MODELS = {"starter": "anthropic.claude-3-haiku-20240307-v1:0", "pro": "anthropic.claude-3-5-sonnet-20240620-v1:0"}
REQUEST = AiRequest("description", "Answer in JSON.", "Describe: <material>A book about bread</material>",
                    (Source("title", "A book about bread"),))


def answer(text: str = '{"tagline": "Bread", "description": "All about bread"}', inputs: int = 120,
           outputs: int = 45) -> dict:
    return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": inputs, "outputTokens": outputs, "totalTokens": inputs + outputs},
            "metrics": {"latencyMs": 850}}


def expected_params(model: str, max_tokens: int) -> dict:
    return {"modelId": model, "system": [{"text": REQUEST.system}],
            "messages": [{"role": "user", "content": [{"text": REQUEST.prompt}]}],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.3}}


@pytest.fixture
def stubbed():
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    with Stubber(client) as stub:
        sleeps: list[float] = []
        model = BedrockModel(region="us-east-1", models=MODELS, client=client, sleep=sleeps.append,
                             jitter=lambda: 1.0)
        yield model, stub, sleeps
        stub.assert_no_pending_responses()


def test_request_shape_model_per_tier_and_usage(stubbed):
    model, stub, sleeps = stubbed
    stub.add_response("converse", answer(inputs=120, outputs=45), expected_params(MODELS["pro"], 700))
    completion = model.generate(REQUEST, model=model.model_for("pro"), max_tokens=700)
    assert completion.text == '{"tagline": "Bread", "description": "All about bread"}'
    assert (completion.input_tokens, completion.output_tokens, completion.total_tokens) == (120, 45, 165)
    assert completion.model == MODELS["pro"] and sleeps == []


def test_each_tier_has_its_model_and_unknown_tiers_get_the_starter_one():
    model = BedrockModel(region="us-east-1", models=MODELS)
    assert model.model_for("starter") == MODELS["starter"]
    assert model.model_for("pro") == MODELS["pro"]
    assert model.model_for("platinum") == MODELS["starter"]


def test_several_text_blocks_are_joined(stubbed):
    model, stub, _ = stubbed
    response = answer()
    response["output"]["message"]["content"] = [{"text": '{"tagline": '}, {"text": '"x"}'}]
    stub.add_response("converse", response, expected_params(MODELS["starter"], 100))
    assert model.generate(REQUEST, model=MODELS["starter"], max_tokens=100).text == '{"tagline": "x"}'


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceUnavailableException", "ModelNotReadyException"])
def test_transient_errors_are_retried_with_growing_backoff(stubbed, code):
    model, stub, sleeps = stubbed
    for _ in range(2):
        stub.add_client_error("converse", service_error_code=code, http_status_code=429,
                              expected_params=expected_params(MODELS["starter"], 300))
    stub.add_response("converse", answer(inputs=10, outputs=5), expected_params(MODELS["starter"], 300))
    completion = model.generate(REQUEST, model=MODELS["starter"], max_tokens=300)
    assert completion.total_tokens == 15
    assert sleeps == [0.5, 1.0]  # base·2^attempt, times the (pinned) jitter


def test_retries_are_bounded_then_a_clean_503(stubbed):
    model, stub, sleeps = stubbed
    for _ in range(MAX_ATTEMPTS):
        stub.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    with pytest.raises(ServiceUnavailable) as raised:
        model.generate(REQUEST, model=MODELS["starter"], max_tokens=300)
    assert raised.value.code == "ai_unavailable" and raised.value.retry_after > 0
    assert "busy" in raised.value.message and "Throttling" not in raised.value.message
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_refusals_are_not_retried(stubbed):
    model, stub, sleeps = stubbed
    stub.add_client_error("converse", service_error_code="AccessDeniedException", http_status_code=403)
    with pytest.raises(ServiceUnavailable) as raised:
        model.generate(REQUEST, model=MODELS["starter"], max_tokens=300)
    assert raised.value.retry_after is None and sleeps == []


def test_jitter_spreads_delays_below_a_cap():
    model = BedrockModel(region="us-east-1", models=MODELS, jitter=lambda: 0.25)
    assert [model.delay(n) for n in range(6)] == [0.125, 0.25, 0.5, 1.0, 2.0, 2.0]


def test_settings_choose_the_provider_and_the_model_ids(monkeypatch):
    from chalicelib.integrations import ai

    settings = Settings.from_env({"STAGE": "dev", "AI_PROVIDER": "bedrock", "BEDROCK_MODEL_PRO": "my-pro-model",
                                  "BEDROCK_REGION": "eu-central-1"})
    monkeypatch.setattr(ai, "get_settings", lambda: settings)
    chosen = ai.provider.__wrapped__()
    assert isinstance(chosen, BedrockModel)
    assert chosen.model_for("pro") == "my-pro-model" == settings.bedrock_model("pro")
    assert chosen.model_for("starter") == Settings.from_env({"STAGE": "dev"}).bedrock_model("starter")
    assert Settings.from_env({"STAGE": "dev"}).ai_provider == "offline"
    with pytest.raises(Exception, match="AI_PROVIDER"):
        Settings.from_env({"STAGE": "dev", "AI_PROVIDER": "gpt"})


def test_prod_refuses_the_offline_provider():
    from chalicelib.config import ConfigError
    from tests.support.settings import PROD

    assert Settings.from_env(PROD).ai_provider == "bedrock"
    with pytest.raises(ConfigError, match="offline"):
        Settings.from_env({**PROD, "AI_PROVIDER": "offline"})
