"""`chalice local`, with the runner's overrides of the stage's environment variables.

`chalice local` applies the stage's `environment_variables` from `.chalice/config.json` over the process
environment before it imports the app, so a variable the runner sets (`--spa-origin` → CORS_ALLOW_ORIGIN)
would be lost. This runs chalice's own CLI (`python -m local.api local --no-autoreload ...`) with one change:
the variables named in `$LOCAL_STAGE_OVERRIDES` (a JSON object) win over the stage's.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import MutableMapping
from typing import Any

OVERRIDES = "LOCAL_STAGE_OVERRIDES"


def main() -> int:
    import chalice.cli
    from chalice.cli.factory import CLIFactory

    class Factory(CLIFactory):
        def load_chalice_app(self, environment_variables: MutableMapping | None = None, *args: Any,
                             **kwargs: Any) -> chalice.Chalice:
            overrides = json.loads(os.environ.get(OVERRIDES) or "{}")
            return super().load_chalice_app({**(environment_variables or {}), **overrides}, *args, **kwargs)

    chalice.cli.CLIFactory = Factory  # what `chalice.cli.cli` builds its factory from
    return chalice.cli.main()


if __name__ == "__main__":
    sys.exit(main())
