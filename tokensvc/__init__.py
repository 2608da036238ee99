"""tokensvc: a Tower-style OAuth2 and personal access token service."""

__version__ = "0.1.0"
