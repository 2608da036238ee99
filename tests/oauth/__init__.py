"""Tests of the /api/o/ OAuth2 endpoints."""
