"""One stack per stage."""
