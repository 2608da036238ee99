"""Helpers shared by the tests: OAuth2 as a client speaks it, concurrency, routes, probes, personas."""
