"""The one structured logger (Powertools, JSON). Never log tokens, secrets or request bodies."""

from aws_lambda_powertools import Logger

logger = Logger(service="creator-marketplace")
