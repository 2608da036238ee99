"""WSGI entry point (gunicorn tokensvc.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokensvc.settings")
application = get_wsgi_application()
