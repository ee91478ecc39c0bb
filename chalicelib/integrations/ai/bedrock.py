"""Amazon Bedrock through the Converse API: one request shape for every model family.

boto3 is imported on first use (cold start). botocore's own retries are switched off so that ours are the only
ones: throttling and transient unavailability are retried here a bounded number of times with exponential
backoff and full jitter, then reported as `AiUnavailable` (503 `ai_unavailable`, `Retry-After`). Other refusals
(access, unknown model, validation) are configuration problems: reported as 503 at once, without retrying. Usage
comes from the response's `usage` block, which is what Bedrock bills.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from chalicelib.integrations.ai.types import AiRequest, AiUnavailable, Completion
from chalicelib.observability import logger

RETRYABLE = ("ThrottlingException", "ServiceUnavailableException", "ModelNotReadyException",
             "InternalServerException")
MAX_ATTEMPTS = 4
BASE_DELAY = 0.5  # seconds; attempt n waits up to BASE_DELAY * 2**n (full jitter), capped at MAX_DELAY
MAX_DELAY = 8.0
READ_TIMEOUT = 60


class BedrockModel:
    def __init__(self, *, region: str, models: dict[str, str], client: Any = None,
                 sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self._region = region
        self._models = models
        self._client = client
        self._sleep = sleep
        self._jitter = jitter
        self._max_attempts = max_attempts

    def max_questions(self, sources: Any) -> None:
        """A generative model writes as many questions as asked."""
        return None

    def _bedrock(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client("bedrock-runtime", region_name=self._region, config=Config(
                retries={"mode": "standard", "max_attempts": 1}, read_timeout=READ_TIMEOUT, connect_timeout=5))
        return self._client

    def model_for(self, tier: str) -> str:
        return self._models.get(tier, self._models["starter"])

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base·2^attempt)] so throttled callers spread out."""
        return self._jitter() * min(MAX_DELAY, BASE_DELAY * 2 ** attempt)

    def generate(self, request: AiRequest, *, model: str, max_tokens: int) -> Completion:
        from botocore.exceptions import BotoCoreError, ClientError

        params = {
            "modelId": model,
            "system": [{"text": request.system}],
            "messages": [{"role": "user", "content": [{"text": request.prompt}]}],
            "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.3},
        }
        attempt = 0
        while True:
            try:
                return _completion(self._bedrock().converse(**params), model)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in RETRYABLE:
                    logger.error("bedrock refused the request", extra={"code": code, "model": model})
                    raise AiUnavailable(f"the AI model is not available ({code})") from exc
                attempt += 1
                if attempt == self._max_attempts:
                    logger.warning("bedrock still unavailable after retries", extra={"code": code, "model": model})
                    raise AiUnavailable("the AI model is busy; try again shortly",
                                             retry_after=int(MAX_DELAY)) from exc
                self._sleep(self.delay(attempt - 1))
            except BotoCoreError as exc:  # connection or read timeout: not retried, a long call already ran
                raise AiUnavailable("the AI model could not be reached") from exc


def _completion(response: dict[str, Any], model: str) -> Completion:
    """Text blocks of the answer joined; token usage as Bedrock reports (and bills) it."""
    blocks = response.get("output", {}).get("message", {}).get("content", [])
    usage = response.get("usage", {})
    return Completion(text="".join(block.get("text", "") for block in blocks),
                      input_tokens=int(usage.get("inputTokens", 0)), output_tokens=int(usage.get("outputTokens", 0)),
                      model=model)
