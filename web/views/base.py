"""What every web page has in common: who asks (`Actor.of(request)`), sign-in, security headers, HTML errors.

A page asks `tokensvc.access.check()` before it shows a button or performs an action, and
looks objects up through `tokensvc.access.visible()`: what a person may not see is a 404
page, what they may see but not change a 403 page, exactly as on the API.
"""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from tokensvc import access

from ..security import secure

SESSION_ENDED_MESSAGE = "Your session ended after {minutes} minutes without activity. Please sign in again."


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    return render(request, f"web/{template}", context or {}, status=status)


def error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return page(request, "error.html", {"title": title, "message": message}, status=status)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` the request names when it is a path of this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


class Page(View):
    """A page for a signed-in person. Anyone else is sent to the sign-in page, told if their session ended."""

    sign_in_required = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.sign_in_required and not request.user.is_authenticated:
            response: HttpResponseBase = self.to_sign_in(request)
        else:
            try:
                response = super().dispatch(request, *args, **kwargs)
            except Http404:
                response = error_page(request, 404, "Not found", "There is nothing here that you can see.")
            except PermissionDenied as denied:
                reason = str(denied) or "You may not do this."
                response = error_page(request, 403, "Not allowed", reason)
        return secure(response)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = error_page(request, 405, "Not allowed", "This page does not take that request; use its buttons.")
        response["Allow"] = ", ".join(name.upper() for name in self.http_method_names if hasattr(self, name))
        return response

    @staticmethod
    def to_sign_in(request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            # A session cookie that no longer signs anyone in: the idle timeout ended it.
            minutes = max(1, settings.SESSION_COOKIE_AGE // 60)
            messages.info(request, SESSION_ENDED_MESSAGE.format(minutes=minutes))
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('web:signin')}?{query}")

    # The access core, asked for this request's actor ---------------------------------

    @property
    def actor(self) -> access.Actor:
        return access.Actor.of(self.request)

    def may(self, action: str, model: type[Model], obj: Model | None = None, data: Any = None) -> access.Decision:
        return access.check(self.actor, action, model, obj, data)

    def require(self, action: str, model: type[Model], obj: Model | None = None, data: Any = None) -> None:
        decision = self.may(action, model, obj, data)
        if not decision:
            raise PermissionDenied(decision.reason or "You may not do this.")

    def find(self, model: type[Model], pk: int, *, include_revoked: bool = False) -> Any:
        """The object `pk` of `model` among what the person may see, or a 404 page."""
        found = access.visible(self.actor, model, include_revoked=include_revoked).filter(pk=pk).first()
        if found is None:
            raise Http404
        return found
