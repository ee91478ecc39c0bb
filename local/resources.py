"""Create the stage's AWS resources in the emulator from the same definitions the app and infra use."""

from __future__ import annotations

from chalicelib.models import ALL_MODELS


def create_tables() -> list[str]:
    """Create every table (with its indexes) declared in `chalicelib.models`; existing ones are kept."""
    created = []
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)
            created.append(model.Meta.table_name)
    return created


def create_all() -> dict[str, list[str]]:
    """Every resource the stage needs, by kind. The runner calls only this: new kinds are added here."""
    return {"tables": create_tables()}
