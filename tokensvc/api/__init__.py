"""The DRF adapter of the access core (tokensvc.access): permission class, base views, serializers, filters."""
