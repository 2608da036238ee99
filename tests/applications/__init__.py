"""Tests of the OAuth2 applications API."""
