"""Text embeddings for Weaviate's vectors: Amazon Bedrock (Titan Text Embeddings v2 by default), called under the
function's own IAM role. The same model embeds documents (indexer) and queries (API); recent query vectors are
cached per process, so a repeated query costs no Bedrock call."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.integrations import aws

if TYPE_CHECKING:
    from chalicelib.config import Settings

DIMENSIONS = 512
MAX_INPUT_CHARS = 20_000  # Titan v2 takes 8k tokens; longer text is cut, the start of a document says the most


def bedrock_embedder(settings: Settings) -> Callable[[str], list[float]]:
    model = settings.search_embedding_model

    @lru_cache(maxsize=1024)
    def embed(text: str) -> tuple[float, ...]:
        body = json.dumps({"inputText": text[:MAX_INPUT_CHARS], "dimensions": DIMENSIONS, "normalize": True})
        answer = aws.client("bedrock-runtime").invoke_model(modelId=model, body=body, accept="application/json",
                                                            contentType="application/json")
        return tuple(json.loads(answer["body"].read())["embedding"])

    return lambda text: list(embed(text))
