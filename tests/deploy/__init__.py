"""Tests of production serving: static files, deploy checks, the shared cache, several servers."""
