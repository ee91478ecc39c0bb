"""A production environment that passes every safety check of `chalicelib.config.Settings`, for tests to break
one setting at a time."""

PROD = {"STAGE": "prod", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123", "COGNITO_APP_CLIENT_IDS": "client-a,client-b",
        "CORS_ALLOW_ORIGIN": "https://app.example.com",
        "CURSOR_SECRET_ID": "arn:aws:secretsmanager:eu-west-1:1:secret:c", "STRIPE_SECRET_ID": "cm-prod/stripe",
        "PLAYBACK_SECRET_ID": "cm-prod/playback",
        "TRANSCODER": "mediaconvert", "MEDIACONVERT_ROLE_ARN": "arn:aws:iam::1:role/mc",
        "MEDIA_CDN_DOMAIN": "d.example", "MEDIA_CDN_KEY_ID": "K1", "MEDIA_CDN_PRIVATE_KEY_SECRET_ID": "cm-prod/cdn-key"}
