"""Runtime settings: stored overrides of the settings-module defaults, their reader, policy and API."""
