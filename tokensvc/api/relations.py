"""Related-object fields that look ids up among what the requester can see.

An object the requester cannot see is answered exactly as one that does not exist (400,
`Invalid pk`): a different answer, even a 403, would confirm that the id is taken.
"""

from tokensvc import access

from .serializers import PrimaryKeyField


class VisibleRelatedField(PrimaryKeyField):
    """A primary key of `model` (strictly an id), looked up in `access.visible()` for the request in the context."""

    model = None

    def __init__(self, model=None, **kwargs):
        if model is not None:
            self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return access.visible(self.context["request"], self.model)
