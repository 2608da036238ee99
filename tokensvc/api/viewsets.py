"""Base views: the only place querysets are filtered and writes are authorized.

Every list and detail queryset starts from `access.visible()`, so an object a user may not
see is a 404 everywhere, and one they may see but not change is a 403. Writes are checked
again with the validated data (e.g. the organization an application is created in) and
then handed to a service function, which records the activity.
"""

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import transaction
from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from tokensvc import access
from tokensvc.transactions import run_atomic

from .permissions import enforce
from .serializers import IdField, is_id


def lookup_filter(model, value: str, alternate_field: str | None) -> dict:
    """`{"pk": 5}` for "5"; `{"username": "alice"}` for "alice" where the model allows a name."""
    if is_id(value):
        return {"pk": int(value)}
    if alternate_field:
        return {alternate_field: value}
    raise Http404


class AccessMixin:
    """Declares the model whose access policy governs the view."""

    access_model: type[Model] | None = None
    # Field that may stand in for the primary key in URLs (e.g. username).
    lookup_alternate: str | None = None
    search_fields: tuple[str, ...] = ()
    # True where authorization needs an object (detail views, nested lists).
    object_scoped = False
    # True for list views: they read many rows, through the policy's `for_listing()`.
    listing = False

    def get_queryset(self):
        return access.visible(self.request, self.access_model, listing=self.listing)

    def get_object(self):
        queryset = self.get_queryset()
        value = str(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        obj = get_object_or_404(queryset, **lookup_filter(self.access_model, value, self.lookup_alternate))
        self.check_object_permissions(self.request, obj)
        return obj

    # Hooks for subclasses: the service functions that perform writes.
    def create_object(self, data: dict):
        raise ImproperlyConfigured(f"{type(self).__name__} must define this hook.")

    def update_object(self, instance, data: dict):
        raise ImproperlyConfigured(f"{type(self).__name__} must define this hook.")

    def delete_object(self, instance):
        raise ImproperlyConfigured(f"{type(self).__name__} must define this hook.")


class ListView(AccessMixin, generics.ListAPIView):
    listing = True


class ListCreateView(AccessMixin, generics.ListCreateAPIView):
    listing = True

    def creation_defaults(self) -> dict:
        """Values forced by the URL (e.g. the parent organization)."""
        return {}

    def creation_precheck_data(self) -> dict:
        """What a create is judged on before its body is read: the values forced by the URL."""
        return self.creation_defaults()

    def perform_create(self, serializer):
        data = {**serializer.validated_data, **self.creation_defaults()}
        enforce(self.request, "add", self.access_model, data=data)
        with transaction.atomic():
            serializer.instance = self.create_object(data)


class DetailView(AccessMixin, generics.RetrieveUpdateDestroyAPIView):
    object_scoped = True

    def perform_update(self, serializer):
        instance, data = serializer.instance, serializer.validated_data

        def judged_update():
            # Judged on every attempt: a retry starts from the reloaded row, which another
            # request may have changed since the first judgement.
            enforce(self.request, "change", self.access_model, obj=instance, data=data)
            return self.update_object(instance, data)

        # A deadlock victim is run again from the stored row (an update may revoke tokens, which
        # takes many locks); the instance the first attempt changed in memory is reloaded first.
        serializer.instance = run_atomic(judged_update, before_retry=instance.refresh_from_db)

    def perform_destroy(self, instance):
        run_atomic(self.delete_object, instance, before_retry=instance.refresh_from_db)


class ReadOnlyDetailView(AccessMixin, generics.RetrieveAPIView):
    object_scoped = True


class ParentMixin:
    """A list nested under a parent object: /parents/{pk}/children/."""

    parent_model: type[Model] | None = None
    parent_lookup_alternate: str | None = None
    parent_kwarg = "pk"
    object_scoped = True

    def parent_queryset(self):
        """Where the parent is looked up: what the requester may see of the parent model."""
        return access.visible(self.request, self.parent_model)

    def get_parent(self):
        if not hasattr(self, "_parent"):
            value = str(self.kwargs[self.parent_kwarg])
            queryset = self.parent_queryset()
            self._parent = get_object_or_404(
                queryset, **lookup_filter(self.parent_model, value, self.parent_lookup_alternate)
            )
        return self._parent

    def filter_for_parent(self, queryset, parent):
        raise ImproperlyConfigured(f"{type(self).__name__} must define this hook.")

    def get_queryset(self):
        return self.filter_for_parent(super().get_queryset(), self.get_parent())


class SubListView(ParentMixin, ListView):
    pass


class SubListCreateView(ParentMixin, ListCreateView):
    def create(self, request, *args, **kwargs):
        # A parent the requester cannot see is a 404 before anything else is said about the request.
        self.get_parent()
        # Refuse early, before validating the body, when the parent alone rules it out.
        enforce(request, "add", self.access_model, data=self.creation_precheck_data())
        return super().create(request, *args, **kwargs)


class AssociateSerializer(serializers.Serializer):
    id = IdField(help_text="The id of the object to associate.")
    disassociate = serializers.BooleanField(required=False, default=False)

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(key for key in data if key not in self.fields and key != "csrfmiddlewaretoken")
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class AssociationView(SubListView):
    """GET lists the associated objects; POST {"id": N} associates, with "disassociate": true removes.

    The parent's policy decides through `can_associate(parent, data)`.
    """

    def get_serializer_class(self):
        if self.request.method == "POST":
            return AssociateSerializer
        return super().get_serializer_class()

    def access_action(self, request):
        return "associate" if request.method == "POST" else None

    @extend_schema(request=AssociateSerializer, responses={204: None})
    def post(self, request, *args, **kwargs):
        parent = self.get_parent()
        # Decided before the body is read, so a refusal says nothing about which ids exist.
        enforce(request, "associate", self.parent_model, obj=parent)
        serializer = AssociateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = self.get_association_target(serializer.validated_data["id"], serializer.validated_data["disassociate"])
        data = {"target": target, "disassociate": serializer.validated_data["disassociate"], "relation": self.relation}
        enforce(request, "associate", self.parent_model, obj=parent, data=data)
        with transaction.atomic():
            if data["disassociate"]:
                self.disassociate(parent, target)
            else:
                self.associate(parent, target)
        return Response(status=status.HTTP_204_NO_CONTENT)

    relation = ""

    def get_association_target(self, pk: int, disassociate: bool = False):
        """The object named by id. Associating may name any object (the parent's policy decides);
        disassociating only one this list shows, and any other reads as not being in it, so that
        removing nothing tells nobody which ids exist."""
        model = self.access_model
        if model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set access_model.")
        name = str(model._meta.verbose_name).capitalize()
        if disassociate:
            target = self.get_queryset().filter(pk=pk).first()
            if target is None:
                message = f"{name} {pk} is not in this list."
                raise serializers.ValidationError({"id": [message]})
            return target
        try:
            return model._default_manager.get(pk=pk)
        except ObjectDoesNotExist:
            message = f"{name} {pk} does not exist."
            raise serializers.ValidationError({"id": [message]}) from None

    def associate(self, parent, target):
        raise ImproperlyConfigured(f"{type(self).__name__} must define this hook.")

    def disassociate(self, parent, target):
        raise ImproperlyConfigured(f"{type(self).__name__} must define this hook.")
