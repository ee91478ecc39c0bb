"""Media URL signing: CloudFront signed URLs verify with the key group's public key and expire; one custom policy
covers a rendition's folder only; presigned S3 GETs open their object until they expire."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto import mock_aws

from chalicelib.config import get_settings
from chalicelib.integrations.media_urls import CloudFrontUrls, S3Urls, from_settings


@pytest.fixture(scope="module")
def key_pair():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return pem, private.public_key()


def _cf_b64decode(text: str) -> bytes:
    """CloudFront's URL-safe base64: + → -, = → _, / → ~."""
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


def _verify(url: str, public_key) -> dict:
    """What a CloudFront edge checks: the signature over the policy, with the key group's public key."""
    query = parse_qs(urlsplit(url).query)
    assert query["Key-Pair-Id"] == ["K2TESTKEY"]
    signature = _cf_b64decode(query["Signature"][0])
    if "Policy" in query:
        policy = _cf_b64decode(query["Policy"][0])
    else:  # canned policy: rebuilt from the URL and Expires
        resource = url.split("?")[0]
        expires = int(query["Expires"][0])
        policy = json.dumps({"Statement": [{"Resource": resource, "Condition": {
            "DateLessThan": {"AWS:EpochTime": expires}}}]}, separators=(",", ":")).encode()
    public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())  # raises if forged
    return json.loads(policy)["Statement"][0]


def test_cloudfront_single_url_is_signed_for_that_object_and_expires(key_pair):
    pem, public_key = key_pair
    urls = CloudFrontUrls("https://d111.cloudfront.net/", "K2TESTKEY", pem)
    url = urls.sign("videos/vid_1/poster.jpg", 600)
    assert url.startswith("https://d111.cloudfront.net/videos/vid_1/poster.jpg?")
    statement = _verify(url, public_key)
    assert statement["Resource"] == "https://d111.cloudfront.net/videos/vid_1/poster.jpg"
    assert 0 < statement["Condition"]["DateLessThan"]["AWS:EpochTime"] - time.time() <= 600


def test_cloudfront_many_urls_share_one_policy_over_their_folder(key_pair):
    pem, public_key = key_pair
    urls = CloudFrontUrls("d111.cloudfront.net", "K2TESTKEY", pem)
    keys = [f"videos/vid_1/hls/720p/seg_{i:03}.m4s" for i in range(50)] + ["videos/vid_1/hls/720p/init.mp4"]
    signed = urls.sign_all(keys, 3600)
    assert [url.split("?")[0] for url in signed] == [f"https://d111.cloudfront.net/{key}" for key in keys]
    statement = _verify(signed[0], public_key)
    assert statement["Resource"] == "https://d111.cloudfront.net/videos/vid_1/hls/720p/*"  # that rendition only
    assert 3500 < statement["Condition"]["DateLessThan"]["AWS:EpochTime"] - time.time() <= 3600
    assert len({url.split("?")[1] for url in signed}) == 1


def test_cloudfront_never_signs_a_policy_over_the_whole_distribution(key_pair):
    pem, public_key = key_pair
    urls = CloudFrontUrls("d111.cloudfront.net", "K2TESTKEY", pem)
    signed = urls.sign_all(["a.jpg", "videos/vid_1/poster.jpg"], 60)
    assert [_verify(url, public_key)["Resource"] for url in signed] == [
        "https://d111.cloudfront.net/a.jpg", "https://d111.cloudfront.net/videos/vid_1/poster.jpg"]


def test_settings_choose_the_implementation(key_pair):
    settings = get_settings()
    assert isinstance(from_settings(replace(settings, media_cdn_domain="")), S3Urls)
    cdn = replace(settings, media_cdn_domain="d1.cloudfront.net", media_cdn_key_id="K2TESTKEY",
                  media_cdn_private_key=key_pair[0])
    assert isinstance(from_settings(cdn), CloudFrontUrls)


def test_presigned_s3_urls_open_their_object_for_a_while():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="media-test")
        s3.put_object(Bucket="media-test", Key="videos/vid_1/hls/720p/seg_000.m4s", Body=b"segment-bytes")
        urls = S3Urls("media-test")
        first, missing = urls.sign_all(["videos/vid_1/hls/720p/seg_000.m4s", "videos/vid_1/nothing"], 60)
        assert requests.get(first, timeout=5).content == b"segment-bytes"
        assert requests.get(missing, timeout=5).status_code == 404
        query = parse_qs(urlsplit(first).query)
        assert query["X-Amz-Expires"] == ["60"] and "X-Amz-Signature" in query
