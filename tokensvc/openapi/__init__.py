"""The OpenAPI schema of the service and its docs pages: /api/v2/schema/, /api/v2/docs/, /api/v2/redoc/."""
