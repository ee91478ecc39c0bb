"""The files bucket's single definition (`infra/buckets.py`): also what the local runtime creates in moto."""

from __future__ import annotations

import boto3
import pytest

from infra import buckets


def test_cors_never_allows_any_origin():
    with pytest.raises(ValueError):
        buckets.cors_rules("*")
    (rule,) = buckets.cors_rules("https://app.example")
    assert rule["AllowedOrigins"] == ["https://app.example"] and "PUT" in rule["AllowedMethods"]


def test_local_runtime_creates_the_bucket_from_the_same_definition(aws):
    from chalicelib.config import get_settings
    from local.resources import create_buckets

    settings = get_settings()
    assert create_buckets() == [settings.files_bucket]
    assert create_buckets() == []  # idempotent
    s3 = boto3.client("s3", region_name=settings.region)
    assert s3.get_bucket_cors(Bucket=settings.files_bucket)["CORSRules"][0]["AllowedOrigins"] == [
        settings.cors_allow_origin]
    block = s3.get_public_access_block(Bucket=settings.files_bucket)["PublicAccessBlockConfiguration"]
    assert block == buckets.PUBLIC_ACCESS_BLOCK
    encryption = s3.get_bucket_encryption(Bucket=settings.files_bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
