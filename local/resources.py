"""Create the stage's AWS resources in the emulator from the same definitions the app and infra use."""

from __future__ import annotations

from chalicelib.models import ALL_MODELS


def create_tables() -> list[str]:
    """Create every table (with its indexes) declared in `chalicelib.models`; existing ones are kept."""
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def create_buckets() -> list[str]:
    """The files bucket (`FILES_BUCKET`) as `infra/buckets.py` defines it: private, encrypted, CORS for the SPA."""
    import boto3

    from chalicelib.config import get_settings
    from infra import buckets

    settings = get_settings()
    s3 = boto3.client("s3", region_name=settings.region)
    name = settings.files_bucket
    created = []
    if name not in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        location = {} if settings.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": settings.region}}
        s3.create_bucket(Bucket=name, **location)
        created.append(name)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=buckets.PUBLIC_ACCESS_BLOCK)
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=buckets.ENCRYPTION)
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": buckets.cors_rules(settings.cors_allow_origin)})
    return created


def create_all() -> dict[str, list[str]]:
    """Every resource the stage needs, by kind. The runner calls only this: new kinds are added here."""
    return {"tables": create_tables(), "buckets": create_buckets()}
