"""Users, organizations and organization roles."""
