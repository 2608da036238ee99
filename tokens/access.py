"""Access policies for tokens."""
