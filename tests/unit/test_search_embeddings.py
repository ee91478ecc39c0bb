"""The Bedrock embedder for Weaviate's vectors against botocore's Stubber: the InvokeModel request (model, the Titan v2
body with its dimensions, the text cut to its limit), the vector read back, and the per-process cache that makes a
repeated query cost no second call."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from chalicelib.config import Settings
from chalicelib.integrations.search import embeddings


def _body(vector: list[float]) -> StreamingBody:
    raw = json.dumps({"embedding": vector, "inputTextTokenCount": 3}).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.fixture
def stubbed(monkeypatch):
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    monkeypatch.setattr(embeddings.aws, "client", lambda service: client)
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _expected(model: str, text: str) -> dict:
    return {"modelId": model, "accept": "application/json", "contentType": "application/json",
            "body": json.dumps({"inputText": text, "dimensions": embeddings.DIMENSIONS, "normalize": True})}


def test_one_invoke_per_distinct_text_with_the_titan_v2_body(stubbed):
    settings = Settings.from_env({})
    model = settings.search_embedding_model
    embed = embeddings.bedrock_embedder(settings)
    stubbed.add_response("invoke_model", {"body": _body([0.5, -0.5]), "contentType": "application/json"},
                         _expected(model, "sourdough bread"))
    stubbed.add_response("invoke_model", {"body": _body([0.1, 0.2]), "contentType": "application/json"},
                         _expected(model, "x" * embeddings.MAX_INPUT_CHARS))
    assert embed("sourdough bread") == [0.5, -0.5]
    assert embed("sourdough bread") == [0.5, -0.5]  # cached: no second call (the Stubber has none queued)
    assert embed("x" * (embeddings.MAX_INPUT_CHARS + 500)) == [0.1, 0.2]  # cut to the model's limit


def test_a_bedrock_error_is_not_swallowed(stubbed):
    embed = embeddings.bedrock_embedder(Settings.from_env({}))
    stubbed.add_client_error("invoke_model", "ThrottlingException", http_status_code=429)
    with pytest.raises(Exception, match="ThrottlingException"):
        embed("anything")
