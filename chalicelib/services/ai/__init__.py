"""The ai domain."""
