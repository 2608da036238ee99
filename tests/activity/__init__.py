"""Tests of the activity stream."""
