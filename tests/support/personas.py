"""The persona names of the matrix tables; tests/conftest.py resolves each to its user (None for anonymous)."""

PERSONAS = (
    "superuser",
    "system_auditor",
    "org_admin",
    "org_member",
    "org_auditor",
    "other_org_admin",
    "plain_user",
    "anonymous",
)
