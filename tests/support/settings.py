"""A production environment that passes every safety check of `chalicelib.config.Settings`, for tests to break
one setting at a time."""

PROD = {"STAGE": "prod", "COGNITO_USER_POOL_ID": "eu-west-1_AbC123", "COGNITO_APP_CLIENT_IDS": "client-a,client-b",
        "CORS_ALLOW_ORIGIN": "https://app.example.com", "CURSOR_SECRET": "s3cret",
        "STRIPE_API_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "PLAYBACK_SECRET": "p1ay",
        "TRANSCODER": "mediaconvert", "MEDIACONVERT_ROLE_ARN": "arn:aws:iam::1:role/mc",
        "MEDIA_CDN_DOMAIN": "d.example", "MEDIA_CDN_KEY_ID": "K1", "MEDIA_CDN_PRIVATE_KEY": "-----BEGIN KEY-----"}
