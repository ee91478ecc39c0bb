"""The buckets' single definitions (`infra/buckets.py`, `infra/video.py`): what the local runtime creates in moto."""

from __future__ import annotations

import boto3
import pytest

from infra import buckets, video


@pytest.mark.parametrize("spec", [buckets.FILES, video.UPLOADS, video.MEDIA])
def test_cors_never_allows_any_origin(spec):
    with pytest.raises(ValueError):
        spec.cors_rules("*")
    with pytest.raises(ValueError):
        spec.cors_rules("")
    (rule,) = spec.cors_rules("https://app.example")
    assert rule["AllowedOrigins"] == ["https://app.example"]


def test_uploads_let_browsers_put_parts_and_read_their_etags():
    (rule,) = video.UPLOADS.cors_rules("https://app.example")
    assert rule["AllowedMethods"] == ["PUT"] and rule["ExposeHeaders"] == ["ETag"]
    assert video.UPLOADS.event_bridge and not video.MEDIA.event_bridge and not buckets.FILES.event_bridge


def test_local_runtime_creates_every_bucket_from_the_same_definition(aws):
    from chalicelib.config import get_settings
    from local.resources import create_buckets

    settings = get_settings()
    names = {settings.files_bucket: buckets.FILES, settings.uploads_bucket: video.UPLOADS,
             settings.media_bucket: video.MEDIA}
    assert sorted(create_buckets()) == sorted(names)
    assert create_buckets() == []  # idempotent
    s3 = boto3.client("s3", region_name=settings.region)
    for name, spec in names.items():
        assert s3.get_bucket_cors(Bucket=name)["CORSRules"] == spec.cors_rules(settings.cors_allow_origin)
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert block == buckets.PUBLIC_ACCESS_BLOCK
        encryption = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
        assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
        assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": buckets.ABORT_INCOMPLETE_UPLOADS_DAYS}
    # moto 5.2.5 stores EventBridgeConfiguration but leaves it out of GetBucketNotificationConfiguration: that the
    # uploads bucket reports to EventBridge (and the others not) is shown by the events in test_local_resources.py.
