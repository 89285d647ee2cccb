"""The national endpoints of the REST API (issue 18), registered by config/api_urls.py."""


def register(router) -> None:
    """Add this app's viewsets to the API's router (prefix, viewset, basename)."""
