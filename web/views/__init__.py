"""The web pages' views, one module per area: signing in, tokens, organizations."""
