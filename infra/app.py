"""CDK entry point: `make synth` (or `cdk synth -c stage=prod`) writes one stage's cloud assembly to infra/cdk.out.

The stage comes from the `stage` context, else `$STAGE`, else dev. `-c functions=chalice` leaves the app's functions
and API to `chalice deploy` (infra/stacks/marketplace.py; README: Two deploy paths).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

INFRA = Path(__file__).resolve().parent
ROOT = INFRA.parent


def table_prefix(stage: str) -> str:
    """The stage's TABLE_PREFIX from `.chalice/config.json`, the same value `chalice deploy` would use."""
    from infra import chalice_stage

    return chalice_stage.variable(stage, "TABLE_PREFIX", f"cm-{stage}")


def main() -> None:
    # The repo root goes first: `chalicelib` and `infra` import from there, and no `import app` may find this file.
    sys.path.insert(0, str(ROOT))
    import aws_cdk as cdk

    app = cdk.App(**({} if "CDK_OUTDIR" in os.environ else {"outdir": str(INFRA / "cdk.out")}))
    stage = app.node.try_get_context("stage") or os.environ.get("STAGE", "dev")
    # Models read the prefix once, at import. STAGE is dropped because this process only needs table names, while
    # the app's settings would demand prod's runtime secrets here.
    os.environ["TABLE_PREFIX"] = table_prefix(stage)
    os.environ.pop("STAGE", None)
    # `chalice package` asks boto for a region only to pick the partition of its service principals.
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("CDK_DEFAULT_REGION", "us-east-1"))
    from infra.stacks.marketplace import MarketplaceStack

    MarketplaceStack(app, stage)
    app.synth()


if __name__ == "__main__":
    main()
