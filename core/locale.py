"""Chinese for every visitor unless they chose English with the switcher.

Django's LocaleMiddleware takes the browser's Accept-Language when no language was chosen: an
office PC set up in English (common for the Windows images some bureaus use) showed the portal in
English. The portal's users read Chinese; the language cookie that the switcher (``set_language``)
sets is the only way to another language.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


def chosen_language(request) -> str:
    """The language code to serve `request` in: the switcher's cookie when it names one of
    settings.LANGUAGES, else settings.LANGUAGE_CODE (zh-hans)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware without the Accept-Language step (see the module's docstring): the
    request's language from `chosen_language`, the answer's Content-Language set."""

    def process_request(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        # No i18n_patterns, and the answer does not vary with Accept-Language any more.
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
