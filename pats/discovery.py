"""Route discovery, `OPTIONS {org}/_apis`: where each resource of the dialect lives, for the official clients.

Azure DevOps' clients ask this once per organization URL, before their first call, and look
a resource up by its location id: the token admin resources keep the ids those clients
carry; the PAT lifecycle resource has an id of this service's own, fixed forever. Each
entry says which versions the resource speaks: a client that asks for a version between
`minVersion` and `maxVersion` sends it as `<version>-preview.<resourceVersion at most>`
in its Accept header. The route templates are relative to the organization's URL; the
client fills `{area}`, `{resource}` and the other values in, and drops a missing one.

The list is the same for every caller; asking needs the same sign-in as every other call
of the dialect, but no api-version (the clients send none with it).
"""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from .base import DialectView
from .openapi import ResourceLocationsSerializer

# The versions the dialect speaks (pats/versions.py): 6.1 to 7.2, resource version 1.
MIN_VERSION, MAX_VERSION, RESOURCE_VERSION = 6.1, 7.2, 1
# Never released out of preview: a client newer than MAX_VERSION then asks for `7.2-preview`.
RELEASED_VERSION = "0.0"

TOKEN_ADMIN_LIST_ID = "af68438b-ed04-4407-9eb6-f1dbae3f922e"
TOKEN_ADMIN_REVOCATIONS_ID = "a9c08b2c-5466-4e22-8626-1ff304ffdf0f"
TOKEN_ADMIN_RULES_ID = "ee4afb16-e7ab-4ed8-9d4b-4ef3e78f97e4"
# This service's own id for the PAT lifecycle resource: clients cache it, so it never changes.
LIFECYCLE_ID = "907cee4c-0806-4c15-b4e6-2abea08aa259"

# (id, area, resource name, route template); ids in lower case, as the clients compare them.
RESOURCES = (
    (TOKEN_ADMIN_LIST_ID, "tokenadmin", "personalaccesstokens", "_apis/{area}/{resource}/{subjectDescriptor}"),
    (TOKEN_ADMIN_REVOCATIONS_ID, "tokenadmin", "revocations", "_apis/{area}/{resource}"),
    (TOKEN_ADMIN_RULES_ID, "tokenadmin", "revocationrules", "_apis/{area}/{resource}"),
    (LIFECYCLE_ID, "Tokens", "Pats", "_apis/tokens/pats"),
)


def locations() -> list[dict[str, object]]:
    return [
        {
            "id": location_id,
            "area": area,
            "resourceName": resource,
            "routeTemplate": template,
            "resourceVersion": RESOURCE_VERSION,
            "minVersion": MIN_VERSION,
            "maxVersion": MAX_VERSION,
            "releasedVersion": RELEASED_VERSION,
        }
        for location_id, area, resource, template in RESOURCES
    ]


class ResourceLocations(DialectView):
    """OPTIONS (or GET): `{"count": N, "value": [location, ...]}` for the organization in the path."""

    requires_api_version = False

    @extend_schema(
        operation_id="pats_resource_locations",
        summary="Where each resource of the dialect lives (route discovery)",
        responses={200: ResourceLocationsSerializer},
    )
    def get(self, request, organization):
        value = locations()
        return Response({"count": len(value), "value": value})

    def options(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)
