"""The embedded local runtime: moto, `chalice local`, the event pump, demo data and a local IdP."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".local"  # the IdP key pair and runtime.json; nothing else persists
