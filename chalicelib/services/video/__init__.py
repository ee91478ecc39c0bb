"""The video domain."""
