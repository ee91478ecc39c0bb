"""The creator domain."""
