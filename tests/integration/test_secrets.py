"""Secrets are read at run time from Secrets Manager by name or ARN (cached), not from the environment; without a
name (tests, scripts) the value given directly is used."""

from __future__ import annotations

import json

import boto3
import pytest


@pytest.fixture
def secretsmanager(aws):
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    yield boto3.client("secretsmanager", region_name="us-east-1")
    parameters.clear_caches()


def test_secrets_come_from_secrets_manager_by_name_or_arn_and_are_cached(secretsmanager):
    from chalicelib.config import Settings

    secretsmanager.create_secret(Name="cm-test/stripe",
                                 SecretString=json.dumps({"api_key": "sk_test_a", "webhook_secret": "whsec_a"}))
    cursor_arn = secretsmanager.create_secret(Name="cm-test/cursor", SecretString="cursor-1")["ARN"]
    settings = Settings.from_env({"STAGE": "dev", "STRIPE_SECRET_ID": "cm-test/stripe", "CURSOR_SECRET_ID": cursor_arn,
                                  "CURSOR_SECRET": "from-the-environment"})

    assert (settings.secret("stripe_api_key"), settings.secret("stripe_webhook_secret")) == ("sk_test_a", "whsec_a")
    assert settings.secret("cursor_secret") == "cursor-1"  # the name wins over a value in the environment
    assert "cursor-1" not in repr(settings)

    secretsmanager.put_secret_value(SecretId="cm-test/cursor", SecretString="cursor-2")
    assert settings.secret("cursor_secret") == "cursor-1"  # cached (SECRET_MAX_AGE_SECONDS)
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    assert settings.secret("cursor_secret") == "cursor-2"


def test_without_a_name_the_given_value_is_used_and_nothing_is_called(secretsmanager, monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    from chalicelib.config import Settings

    monkeypatch.setattr(parameters, "get_secret", lambda *args, **kwargs: pytest.fail("Secrets Manager called"))
    settings = Settings(cursor_secret="c", stripe_api_key="sk", playback_secret="p")
    names = ("cursor_secret", "stripe_api_key", "playback_secret")
    assert [settings.secret(name) for name in names] == ["c", "sk", "p"]
    assert Settings().secret("stripe_webhook_secret") == ""


def test_the_local_runtime_seeds_the_secrets_the_app_reads(secretsmanager):
    from chalicelib.config import Settings
    from local.resources import create_secrets

    assert create_secrets({"cm-test/cursor": "one"}) == ["cm-test/cursor"]
    assert create_secrets({"cm-test/cursor": "two"}) == []  # exists (a restart): given the new value
    assert Settings(cursor_secret_id="cm-test/cursor").secret("cursor_secret") == "two"
