"""SQS worker for blast fan-out (`blasts` queue): each message is one step (one page of one product's members).

A step that raises (DynamoDB, SES) is redelivered by SQS and, after the queue's receive count, dead-lettered; the
recipient markers make a repeated step send nothing twice (`services/messaging/blasts.py`).
"""

from __future__ import annotations

import json
from typing import Any


def fan_out_blast(event: Any) -> None:
    """`@app.on_sqs_message` on the `blasts` queue (batch size 1)."""
    from chalicelib.observability import annotate, logger
    from chalicelib.services.messaging import blasts

    for record in event:
        step = json.loads(record.body)
        annotate(blast_id=step.get("blast_id"))
        done = blasts.run_step(step)
        logger.info("blast step done", extra={"blast_id": step.get("blast_id"), **done})
