"""Create the stage's AWS resources in the emulator from the same definitions the app and infra use.

Tables come from `chalicelib.models`, buckets from `infra/buckets.py` and `infra/video.py`, the video queues, their
dead-letter queues and the EventBridge rules from `infra/video.py`, the state machine from the ASL file rendered by
`infra/state_machine.py`, the secrets the app reads (by name, as `*_SECRET_ID` says) with the runner's values. Every
function is idempotent and returns what it created (a second start changes
nothing; an existing state machine gets the current definition).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.models import ALL_MODELS

if TYPE_CHECKING:
    from chalicelib.config import Settings
    from infra.buckets import BucketSpec


def _settings() -> Settings:
    from chalicelib.config import get_settings

    return get_settings()


def _client(service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=_settings().region)


def create_tables() -> list[str]:
    """Create every table (with its indexes) declared in `chalicelib.models`; existing ones are kept."""
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def bucket_specs(settings: Settings) -> dict[str, BucketSpec]:
    """Every bucket of the stage by name: deliverable files, video uploads, video media."""
    from infra import buckets, video

    return {settings.files_bucket: buckets.FILES, settings.uploads_bucket: video.UPLOADS,
            settings.media_bucket: video.MEDIA}


def create_buckets() -> list[str]:
    """Each bucket as its spec says: private, encrypted, CORS for the SPA origin, stale multipart uploads aborted,
    and EventBridge notifications where the spec asks (the uploads bucket: that is what starts the pipeline)."""
    from infra import buckets

    settings = _settings()
    s3 = _client("s3")
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    created = []
    for name, spec in bucket_specs(settings).items():
        if name not in existing:
            location = {} if settings.region == "us-east-1" else {
                "CreateBucketConfiguration": {"LocationConstraint": settings.region}}
            s3.create_bucket(Bucket=name, **location)
            created.append(name)
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=buckets.PUBLIC_ACCESS_BLOCK)
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=buckets.ENCRYPTION)
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": spec.cors_rules(settings.cors_allow_origin)})
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=spec.lifecycle())
        if spec.event_bridge:
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"EventBridgeConfiguration": {}})
    return created


def _queue_url(sqs: Any, name: str) -> str | None:
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        return None


def _ensure_queue(sqs: Any, name: str, attributes: dict[str, str], created: list[str]) -> str:
    """The queue's URL, created if missing, its attributes set to `attributes` either way; its ARN."""
    url = _queue_url(sqs, name)
    if url is None:
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        created.append(name)
    else:
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def create_queues() -> list[str]:
    """The video queues (`Settings.queue_name(purpose)`), each redriving to its DLQ after `max_receive_count`."""
    from infra import video

    settings = _settings()
    sqs = _client("sqs")
    created: list[str] = []
    for spec in video.QUEUES:
        name = settings.queue_name(spec.purpose)
        dlq_arn = _ensure_queue(sqs, name + video.DLQ_SUFFIX, spec.dlq_attributes(), created)
        _ensure_queue(sqs, name, {**spec.attributes(), **spec.redrive_policy(dlq_arn)}, created)
    return created


def create_search_queue() -> list[str]:
    """The search indexer's FIFO queue and its FIFO DLQ (`infra/search.py`); `local.pipes` feeds it from the stream."""
    from infra import search

    settings = _settings()
    sqs = _client("sqs")
    created: list[str] = []
    name = settings.queue_name(search.QUEUE.purpose)
    dlq, fifo = search.dlq_name(name), search.FIFO_ATTRIBUTES  # FifoQueue is set at creation only
    dlq_arn = _ensure_queue(sqs, dlq, {**search.QUEUE.dlq_attributes(), **({} if _queue_url(sqs, dlq) else fifo)},
                            created)
    _ensure_queue(sqs, name, {**search.QUEUE.attributes(), **search.QUEUE.redrive_policy(dlq_arn),
                              **({} if _queue_url(sqs, name) else fifo)}, created)
    return created


def create_rules() -> list[str]:
    """The EventBridge rules of `infra/video.py` on the default bus, each targeting its queue (queues first)."""
    from infra import video

    settings = _settings()
    events, sqs = _client("events"), _client("sqs")
    existing = {rule["Name"] for rule in events.list_rules(NamePrefix=settings.table_prefix).get("Rules", [])}
    created = []
    for rule in video.rules(settings.uploads_bucket, settings.table_prefix):
        name = f"{settings.table_prefix}-{rule.name}"
        events.put_rule(Name=name, EventPattern=json.dumps(rule.pattern), State="ENABLED",
                        Description=rule.description)
        queue_url = sqs.get_queue_url(QueueName=settings.queue_name(rule.target))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_targets(Rule=name, Targets=[{"Id": rule.target, "Arn": queue_arn}])
        if name not in existing:
            created.append(name)
    return created


def video_pipeline_definition(settings: Settings) -> str:
    """The ASL with the emulator's table, queue and bucket names in place of its placeholders."""
    from chalicelib.models import VideoAsset
    from infra import state_machine, video

    tasks_queue_url = _client("sqs").get_queue_url(QueueName=settings.queue_name("video-tasks"))["QueueUrl"]
    return state_machine.render(video.state_machine_values(
        assets_table=VideoAsset.Meta.table_name, tasks_queue_url=tasks_queue_url, media_bucket=settings.media_bucket))


def create_state_machine() -> list[str]:
    """The video pipeline under `settings.video_state_machine_name`, created or updated to the current definition.
    moto runs it for real when execution is switched on (the runner does); the role is a placeholder ARN."""
    settings = _settings()
    sfn = _client("stepfunctions")
    definition = video_pipeline_definition(settings)
    account = _client("sts").get_caller_identity()["Account"]
    role_arn = f"arn:aws:iam::{account}:role/{settings.video_state_machine_name}"
    name, arn = settings.video_state_machine_name, settings.video_state_machine_arn  # the ARN the handler starts
    try:
        sfn.describe_state_machine(stateMachineArn=arn)
    except sfn.exceptions.StateMachineDoesNotExist:
        sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn)
        return [name]
    sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role_arn)
    return []


def create_secrets(values: dict[str, str]) -> list[str]:
    """Each secret (name → value) in Secrets Manager: created, or given this value when it exists already."""
    secretsmanager = _client("secretsmanager")
    created = []
    for name, value in values.items():
        try:
            secretsmanager.create_secret(Name=name, SecretString=value)
            created.append(name)
        except secretsmanager.exceptions.ResourceExistsException:
            secretsmanager.put_secret_value(SecretId=name, SecretString=value)
    return created


def create_all(secrets: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Every resource the stage needs, by kind, in dependency order, and `secrets` (name → value). The runner calls
    only this: new kinds are added here."""
    return {"tables": create_tables(), "buckets": create_buckets(), "queues": create_queues() + create_search_queue(),
            "rules": create_rules(), "state machines": create_state_machine(),
            "secrets": create_secrets(secrets or {})}
