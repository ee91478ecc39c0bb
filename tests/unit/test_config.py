"""Settings: Cognito derivation and the production safety checks."""

import pytest

from chalicelib.config import ConfigError, Settings
from tests.support.settings import PROD


def test_prod_derives_cognito_issuer_and_jwks():
    settings = Settings.from_env(PROD)
    assert settings.auth_issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    assert settings.auth_jwks_url == settings.auth_issuer + "/.well-known/jwks.json"
    assert settings.auth_audiences == ("client-a", "client-b")
    assert settings.table_prefix == "cm-prod"


@pytest.mark.parametrize("override", [
    {"CORS_ALLOW_ORIGIN": "*"},
    {"COGNITO_USER_POOL_ID": "", "COGNITO_APP_CLIENT_IDS": ""},
    {"CURSOR_SECRET_ID": ""},
    {"STRIPE_SECRET_ID": ""},
    {"PLAYBACK_SECRET_ID": ""},
    {"MEDIA_CDN_PRIVATE_KEY_SECRET_ID": ""},
    # Secrets are read from Secrets Manager in prod, never taken from the environment.
    {"CURSOR_SECRET": "s3cret"},
    {"STRIPE_API_KEY": "sk_live_x"},
    {"STRIPE_WEBHOOK_SECRET": "whsec_x"},
    {"PLAYBACK_SECRET": "p1ay"},
    {"MEDIA_CDN_PRIVATE_KEY": "-----BEGIN KEY-----"},
    {"STRIPE_API_BASE": "http://127.0.0.1:8420"},
    {"TRANSCODER": "ffmpeg"},
    {"MEDIACONVERT_ROLE_ARN": ""},
    {"MEDIA_CDN_DOMAIN": ""},
])
def test_prod_refuses_unsafe_settings(override):
    with pytest.raises(ConfigError):
        Settings.from_env({**PROD, **override})


def test_dev_allows_local_defaults():
    assert Settings.from_env({"STAGE": "dev"}).cors_allow_origin == "http://localhost:5173"
