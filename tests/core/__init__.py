"""Tests of the project package itself: the settings module."""
