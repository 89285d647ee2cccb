"""Settings for the eldercare supervision portal.

Everything that differs between a laptop and production comes from environment variables (see
`.env.example` and the README). The defaults are safe for local work: DEBUG is off unless
DJANGO_DEBUG says otherwise, and without DEBUG there is no default secret key.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the file named by NAME_FILE (Docker secrets), else the default."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

# Issue 17: the key that encrypts staff and banned persons' identity numbers at rest (staff/crypto.py:
# Fernet, key derived with SHA-256). Empty: SECRET_KEY is used. Changing it makes the stored numbers
# unreadable (pages fall back to the masked form; matching a person still works).
PERSONAL_DATA_KEY = env("DJANGO_PERSONAL_DATA_KEY", "") or ""

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "core",
    "accounts",
    "campaign",
    "institutions",
    "hazards",
    "inspections",
    "complaints",
    "emergencies",
    "credit",
    "enforcement",
    "licences",
    "staff",
    "trainings",
    "national",
    "fireacceptance",
    "reports",
    "disclosure",
    "reminders",
    "dashboards",
    "django_celery_beat",
    "bench",  # issue 11: manage.py bench_data; its anchor page only with PORTAL_BENCH
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless the switcher chose English; the browser's language is not asked (core/locale.py).
    "core.locale.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # htmx requests that meet the login page or an error take the whole page there (core/htmx.py).
    "core.htmx.HtmxErrorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A logged-in user's POST runs once per one-time form token (core/submissions.py).
    "core.submissions.SubmissionTokenMiddleware",
    # Last, as django-axes asks: it turns a lockout into our Chinese page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Django's form templates, but <select> written in Python (core/renderers.py: ~0.09 ms an option).
FORM_RENDERER = "core.renderers.PortalRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.navigation",
                "reminders.context_processors.reminders",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DJANGO_CONN_MAX_AGE", "60") or 0),
    )
}
if env("DJANGO_TEST_DB_TEMPLATE", ""):
    # The suite (scripts/test-suite.sh) migrates the service's empty database once; each test
    # worker's database is then a copy of it (CREATE DATABASE … TEMPLATE) instead of running every
    # migration again, and Django's `migrate` on the copy finds nothing left to apply.
    DATABASES["default"]["TEST"] = {"TEMPLATE": env("DJANGO_TEST_DB_TEMPLATE")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite: readers never wait for the writer (WAL), a writer waits up to 20 s for
    # another instead of failing with "database is locked", and a transaction takes the write lock
    # when it starts (IMMEDIATE), so two that read and then write cannot deadlock each other.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA busy_timeout=20000",
        transaction_mode="IMMEDIATE",
        timeout=20,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login guessing: lock the username+address pair after AXES_FAILURE_LIMIT failures for an hour.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5") or 5)
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HOURS", "1") or 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address, which the lockout is keyed on, is resolved by django-ipware. AXES_PROXY_COUNT
# is the number of reverse proxies in front (README: nginx, so 1). With none, only REMOTE_ADDR counts
# and any X-Forwarded-For a client sends is ignored. With N proxies, each appending the address it
# received the request from ($proxy_add_x_forwarded_for), the client is the N-th address from the
# right of X-Forwarded-For; whatever a client put further left is its own invention and is skipped.
# ipware counts only the proxies listed in the header after the client (the last proxy is
# REMOTE_ADDR, not listed), hence N - 1, and IPWARE_STRICT off lets the header carry more entries.
PORTAL_PROXY_COUNT = int(env("AXES_PROXY_COUNT", "0") or 0)
if PORTAL_PROXY_COUNT < 0:
    raise ImproperlyConfigured("AXES_PROXY_COUNT must be 0 or more.")
AXES_IPWARE_PROXY_ORDER = "left-most"
AXES_IPWARE_PROXY_COUNT = PORTAL_PROXY_COUNT - 1 if PORTAL_PROXY_COUNT else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PORTAL_PROXY_COUNT else ("REMOTE_ADDR",)
)
IPWARE_STRICT = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# django-filter's empty choice for any filter not built from core.filters (which says 全部 itself):
# never Django's "---------" (issue 15 item 3).
FILTERS_EMPTY_CHOICE_LABEL = _("All")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploaded evidence is never served from a public URL (no MEDIA_URL): a permission-checked view sends it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Source maps (Swagger UI's and Redoc's, 6 MB) are read by a developer's browser tools only: not
# worth compressing at every deploy (whitenoise's list, plus "map").
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf", "flv"),
    *("woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg", "webm", "wmv"),
    "map",
)

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
if env("DJANGO_CACHE", "redis" if not DEBUG else "local") == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # pytest-xdist's workers share one Redis: each keeps its own keys.
            "KEY_PREFIX": os.environ.get("PYTEST_XDIST_WORKER", ""),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# The queue tasks are sent to when nothing routes them elsewhere (the tests give each worker its own).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery"
# Beat's crontabs are read in Beijing time, set here explicitly (not inherited from TIME_ZONE) and on
# every CrontabSchedule row; messages still carry UTC timestamps (CELERY_ENABLE_UTC, Celery's
# default), which is what lets a worker in any zone compare them.
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
# The schedule lives in the database (django-celery-beat: visible and editable in the admin). The
# daily reminder scan is created by reminders/migrations/0003; the entries below are written into
# the database by beat each time it starts (so an edit of them in the admin lasts until then).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "purge-exports": {"task": "core.exports.purge_exports", "schedule": 3600.0},
    # Digests claimed and left unsent (a worker killed mid-send) are put back and sent again.
    "reminders-recover": {"task": "reminders.tasks.recover", "schedule": 300.0},
    # API tokens' last uses, kept in the cache by each request, copied to their rows (issue 18).
    "api-token-uses": {"task": "accounts.tasks.save_token_uses", "schedule": 600.0},
}
# Redis redelivers a message not acknowledged within the visibility timeout. Tasks acknowledge late
# (after they ran, so a killed worker's task is redelivered), hence the timeout must be longer than
# the longest task (the daily scan: minutes at province scale) and than any countdown (reminder
# retries wait at most 10 minutes; nothing is scheduled further ahead: the scan runs daily instead).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "7200") or 7200),
}
# The reminder tasks set acks_late and reject_on_worker_lost themselves (reminders/tasks.py);
# prefetch one message at a time so that a killed worker holds back as little as possible.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers are recycled (issue 14): WeasyPrint and openpyxl keep memory after a large report or
# workbook, so a worker process is replaced after this many tasks, or after a task that left it above
# this resident size (KiB; checked after each task, the task itself is never cut short).
CELERY_WORKER_MAX_TASKS_PER_CHILD = int(env("CELERY_WORKER_MAX_TASKS_PER_CHILD", "50") or 50)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(env("CELERY_WORKER_MAX_MEMORY_PER_CHILD", "600000") or 600000)

# The REST API (issue 18; README "REST API"): personal tokens (accounts/tokens.py) or the browser's
# session, errors in Chinese with 400/404/409/429 (core/api.py), OpenAPI 3 by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["accounts.tokens.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.PortalAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_VERSIONING_CLASS": None,
}
# Requests per token (or per browser session) and period; over it the API answers 429.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", "600/min") or "600/min"
# The longest lifetime a user may give a token, in days.
API_TOKEN_MAX_DAYS = int(env("API_TOKEN_MAX_DAYS", "365") or 365)
SPECTACULAR_SETTINGS = {
    "TITLE": "养老院服务质量监管平台 API",
    "DESCRIPTION": (
        "养老院服务质量监管平台的 REST API（/api/v1/）。以个人 API 令牌（“Authorization: Bearer <令牌>”）或"
        "浏览器登录会话认证；每个请求只能看到、改动令牌所属用户在网页上能看到、能改动的内容。"
        "错误：400 字段错误，401 未认证，403 无权操作，404 不存在或不在您的范围内，409 版本冲突，429 请求过于频繁。"
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice fields stay inline, each with its values' Chinese labels: drf-spectacular's enum hook
    # would name shared enum components and warn at every two apps' fields named alike (status, kind).
    "POSTPROCESSING_HOOKS": ["core.api.describe_common_fields"],
}

# Security. Production (DEBUG off) gets HTTPS-only cookies and HSTS; a reverse proxy terminates TLS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
# A stale form token answers in Chinese, with what to do (core.views.csrf_failure).
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# One strict policy for every page, admin, API and error pages included: scripts and styles only
# from the portal's own static files, no inline script, style or event handler (static/js/portal.js
# wires the behaviour; htmx runs with allowEval and its indicator <style> off, see base.html).
# Bootstrap's CSS draws small icons (select arrow, close button) as data: SVGs, hence img-src data:.
# Evidence previews and downloads send their own, stricter policy with `sandbox` (core.evidence);
# the middleware leaves a response that already has a policy alone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # a nonce only where a page asks for one (request.csp_nonce): Redoc's styled-components (issue 18)
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000") or 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # HSTS preload lists are for public Internet hosts; government intranet hosts are not submitted.
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Outgoing mail (the daily reminder digest). The console backend (mail printed by the process that
# sends it) unless DJANGO_EMAIL_BACKEND says otherwise; in production
# DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with the EMAIL_* below.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "noreply@localhost")
EMAIL_HOST = env("EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = int(env("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS (port 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS (port 465)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive.")
# Seconds before a silent SMTP server counts as a failure (the send is then retried).
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30") or 30)

# Reminders (issue 12). The daily scan's time is the CrontabSchedule of the periodic task
# "reminders: daily scan" (admin → Periodic tasks); these two values are used when that task is
# first created (reminders/migrations/0003). A digest claimed by a worker and not sent after
# PORTAL_REMINDER_RECLAIM_MINUTES is put back and sent again by the recovery sweep (every 5 minutes).
PORTAL_REMINDER_HOUR = int(env("PORTAL_REMINDER_HOUR", "8") or 8)
PORTAL_REMINDER_MINUTE = int(env("PORTAL_REMINDER_MINUTE", "0") or 0)
PORTAL_REMINDER_RECLAIM_MINUTES = float(env("PORTAL_REMINDER_RECLAIM_MINUTES", "15") or 15)
# A failed SMTP send is retried after 1, 2, 4, 8, 16 times this many seconds (capped at 10 minutes,
# far below the broker's visibility timeout), then the digest is marked failed.
PORTAL_REMINDER_RETRY_SECONDS = float(env("PORTAL_REMINDER_RETRY_SECONDS", "60") or 60)
# The portal's address as its users reach it, for links in e-mails (no trailing slash).
PORTAL_BASE_URL = (env("PORTAL_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

# The view behind the home page (`core:home`, "/"): core is the ground layer and imports no app
# above it, so it calls the view named here (dotted path, django.utils.module_loading.import_string).
# dashboards.views.home shows each role its own work (issue 13); "dashboards.views.calendar_home" is the
# campaign calendar alone.
PORTAL_HOME_VIEW = "dashboards.views.home"
# The dashboards' computed figures stay in the cache this long while the data is unchanged
# (dashboards/cache.py: the key carries a data version, so any write recomputes them); 0: off.
PORTAL_DASHBOARD_CACHE_SECONDS = int(env("PORTAL_DASHBOARD_CACHE_SECONDS", "600"))

# The portal's own choices.
PORTAL_IMPORT_MAX_BYTES = int(env("PORTAL_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)) or 0)
# Imports of more rows are checked and applied by a Celery task (core.excel_import.sync_rows).
PORTAL_IMPORT_SYNC_ROWS = int(env("PORTAL_IMPORT_SYNC_ROWS", "300") or 300)
# Evidence files (core.evidence): the largest upload, how the web server sends a file once the
# portal has checked permission ("" = Django streams it; "X-Accel-Redirect" = nginx sends the file
# from an `internal` location at PORTAL_SENDFILE_PREFIX), and how long removed files are kept.
PORTAL_EVIDENCE_MAX_BYTES = int(env("PORTAL_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)) or 0)
PORTAL_SENDFILE_HEADER = env("PORTAL_SENDFILE_HEADER", "") or ""
PORTAL_SENDFILE_PREFIX = env("PORTAL_SENDFILE_PREFIX", "/protected-media/") or "/protected-media/"
PORTAL_PURGE_AFTER_DAYS = int(env("PORTAL_PURGE_AFTER_DAYS", "365") or 365)
# Exports (core/exports.py): up to this many rows download at once; larger ones are prepared by the
# Celery worker and kept for their user for PORTAL_EXPORT_KEEP_HOURS (then deleted, hourly by beat).
PORTAL_EXPORT_SYNC_ROWS = int(env("PORTAL_EXPORT_SYNC_ROWS", "5000") or 5000)
PORTAL_EXPORT_KEEP_HOURS = int(env("PORTAL_EXPORT_KEEP_HOURS", "24") or 24)
# The bench's anchor page (/bench/anchor/, bench/urls.py) exists only with PORTAL_BENCH=1: never in
# production.
PORTAL_BENCH = env_bool("PORTAL_BENCH", False)
PORTAL_NAME = _("Eldercare Service Quality Supervision Portal")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
