"""The schema and the two docs pages: public, like /api/, and served with local assets only.

The pages load Swagger UI and ReDoc from the static files of drf-spectacular-sidecar, never
from another host, so they work on a network without internet access. Their templates are
the project's own (tokensvc/templates/openapi/) for the same reason: nothing in them is fetched
from elsewhere (no web fonts, no online spec validator).
"""

from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView


class JSONErrors:
    """Errors in plain JSON, as on every other route, whatever format the document itself is in."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class Schema(JSONErrors, APIView):
    """The OpenAPI 3 schema of this API: JSON by default, YAML with `?format=yaml` or `Accept: application/yaml`."""

    access_public = True
    view_name = "OpenAPI schema"
    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]

    @extend_schema(exclude=True)
    def get(self, request):
        # Public: every operation is described, whoever asks (what each one allows is in its description).
        return Response(SchemaGenerator().get_schema(request=request, public=True))


class DocsPage(JSONErrors, APIView):
    """A page that renders the schema for people."""

    access_public = True
    renderer_classes = [TemplateHTMLRenderer]
    template_name = ""

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(
            {"title": spectacular_settings.TITLE, "schema_url": reverse("api_schema")},
            template_name=self.template_name,
        )


class SwaggerUI(DocsPage):
    """Swagger UI: read the operations and try them, signed in with the browser session, Basic or a Bearer token."""

    view_name = "API docs (Swagger UI)"
    template_name = "openapi/swagger_ui.html"


class ReDoc(DocsPage):
    """ReDoc: the reference, on one page."""

    view_name = "API reference (ReDoc)"
    template_name = "openapi/redoc.html"
