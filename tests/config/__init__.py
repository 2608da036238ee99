"""Tests of the runtime settings and their API."""
