"""Browser fixtures (`browser`, `page`) live in tests/conftest.py, shared by every page test."""
