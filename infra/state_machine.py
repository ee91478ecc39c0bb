"""The video pipeline's ASL definition, rendered with the stage's resource names.

Pure (no CDK, no chalicelib import): the CDK stack and the local runtime (`local/resources.py`) both render the one
file in `statemachines/`, so AWS and the emulator run the same definition. Placeholders use the `${Name}` syntax of
CloudFormation's `DefinitionSubstitutions`, so the file also works with `DefinitionBody.from_file(...,
definition_substitutions=...)`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFINITION = ROOT / "statemachines" / "video_pipeline.asl.json"

# Name → what it stands for. Every one is required by `render` and none other may appear in the file.
PLACEHOLDERS = {
    "VideoAssetsTable": "the video-assets table name (MarkProcessing / MarkFailed update it directly)",
    "VideoTasksQueueUrl": "the URL of the `video-tasks` SQS queue the worker steps send their task tokens to",
    "MediaBucket": "the media bucket the transcoders write HLS, poster and storyboard to",
}
_PATTERN = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def placeholders_in(text: str) -> set[str]:
    """The `${Name}` placeholders a definition uses."""
    return set(_PATTERN.findall(text))


def render(values: dict[str, str], text: str | None = None) -> str:
    """The definition with every placeholder replaced (values JSON-escaped); refuses missing or unknown names."""
    text = DEFINITION.read_text() if text is None else text
    missing = set(PLACEHOLDERS) - set(values)
    unknown = (set(values) | placeholders_in(text)) - set(PLACEHOLDERS)
    if missing or unknown:
        raise ValueError(f"state machine values: missing {sorted(missing)}, unknown {sorted(unknown)}")
    rendered = _PATTERN.sub(lambda match: json.dumps(str(values[match.group(1)]))[1:-1], text)
    json.loads(rendered)  # still valid JSON
    return rendered
