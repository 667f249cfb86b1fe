"""The JSON API (django-ninja), mounted at /api/ by grassroots.web.urls."""
