"""Tests of the users and organizations API."""
