"""``PYTHONPATH=. pytest -p tests.api.test_answers_plugin …``: the whole run on
`tests.api.test_answers_urlconf` (the answers' and indicators' endpoints routed before
config/api_urls.py calls `campaign.api.register`)."""


def pytest_sessionstart(session):
    from django.conf import settings
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "tests.api.test_answers_urlconf"
    clear_url_caches()
