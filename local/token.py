"""`make token USER=demo-buyer`: print a bearer token for a user id, signed with the runner's key.

It loads (or creates) the same key pair `python -m local.run` uses from the state dir, so a token
works whether the runner is already up or starts later. Only the token is printed, so
`TOKEN=$(make -s token USER=demo-buyer)` works.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from local import STATE_DIR
from local.identity import LocalIdp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.token", description=__doc__.splitlines()[0])
    parser.add_argument("--user", required=True, help="the user id (JWT sub), e.g. demo-buyer or demo-creator")
    parser.add_argument("--email", help="email claim (default: <user>@example.com)")
    parser.add_argument("--name", help="name claim (default: none)")
    parser.add_argument("--ttl", type=int, default=12 * 3600, help="seconds until it expires (default: 12 h)")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR, help="where the runner keeps its key pair")
    args = parser.parse_args(argv)
    idp = LocalIdp.load_or_create(args.state_dir)
    print(idp.mint(args.user, email=args.email or f"{args.user}@example.com", name=args.name,
                   ttl_seconds=args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
