"""The courses domain."""
