"""The CDK app that deploys the Chalice app with its tables and user pool (see `app.py`)."""
