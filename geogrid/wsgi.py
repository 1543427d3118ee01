import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geogrid.settings")
application = get_wsgi_application()

from layers.front import TileFront  # noqa: E402  (after setup: it reads the settings and the registry)

application = TileFront(application)  # stored tiles asked with their version, before Django
