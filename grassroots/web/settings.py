"""Django settings, read from environment variables.

GRASSROOTS_DEBUG        true only for local demo use (default false)
GRASSROOTS_SECRET_KEY   required when debug is off
DATABASE_URL            e.g. postgres://postgres@127.0.0.1:5432/grassroots; default: SQLite under the data dir
GRASSROOTS_DATA_DIR     where the SQLite database and data versions live (default ./var)
GRASSROOTS_ALLOWED_HOSTS comma separated (default 127.0.0.1,localhost)
GRASSROOTS_HTTPS        true when served over HTTPS: secure cookies, HSTS, SSL redirect
GRASSROOTS_PASSWORD_MIN_LENGTH, GRASSROOTS_PASSWORD_MAX_AGE_DAYS, GRASSROOTS_LOGIN_FAILURE_LIMIT,
GRASSROOTS_LOGIN_LOCK_MINUTES, GRASSROOTS_LOGIN_LOCK_MAX_MINUTES, GRASSROOTS_SESSION_IDLE_MINUTES,
GRASSROOTS_SESSION_MAX_HOURS, GRASSROOTS_ADMIN_TWO_FACTOR, GRASSROOTS_PROXY_HOPS,
GRASSROOTS_API_TOKEN_TTL_DAYS, GRASSROOTS_API_TOKEN_MAX_DAYS, GRASSROOTS_AUDIT_RETENTION_DAYS
                        identity, sessions and audit: see docs/security.md
GRASSROOTS_STATIC_ROOT  optional: where `grassroots manage collectstatic` writes (default: none;
                        the static files ship inside the package and are served from there)

Django's admin is deliberately not installed: audit entries and other business records must not
be editable outside the services that write them.
"""

from __future__ import annotations

import os
import re
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from grassroots.web.env import envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent

DEBUG = envbool("GRASSROOTS_DEBUG", "False")
DATA_DIR = Path(os.environ.get("GRASSROOTS_DATA_DIR", str(Path.cwd() / "var"))).resolve()

SECRET_KEY = os.environ.get("GRASSROOTS_SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or os.environ.get("GRASSROOTS_TESTING") == "1":
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "GRASSROOTS_SECRET_KEY is not set: set it to a long random string "
            "(or GRASSROOTS_DEBUG=true for local use)"
        )

# The test runner adds "testserver" itself; production hosts need not accept it.
ALLOWED_HOSTS = envlist("GRASSROOTS_ALLOWED_HOSTS", "127.0.0.1,localhost")
HTTPS = envbool("GRASSROOTS_HTTPS", "False")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "grassroots.organisations",
    "grassroots.intake",
    "grassroots.people",
    "grassroots.evaluation",
    "grassroots.assistance",
    "grassroots.reports",
    "grassroots.supervision",
    "grassroots.party",
    # After the apps above: where a shared English word is translated differently, theirs wins
    # on their pages (the library uses its own msgids where its wording must differ).
    "grassroots.library",
    # After the others: their translations of shared words (Open, Read, Kind) come first.
    "grassroots.notifications",
    "grassroots.direct",
    "grassroots.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "grassroots.web.middleware.IgnoreAcceptLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grassroots.web.middleware.NoStoreMiddleware",
    "grassroots.organisations.security.middleware.SecurityMiddleware",
]

ROOT_URLCONF = "grassroots.web.urls"
WSGI_APPLICATION = "grassroots.web.wsgi.application"

# The API docs use ninja's bundled Swagger UI (its templates and static files, never a CDN)
# without "ninja" in INSTALLED_APPS: importing the app at start-up imported ninja and pydantic
# (~0.2 s of every command's start, issue 20.4); the API itself loads them with the URLs.
# find_spec locates the package without importing it. See grassroots/web/api.py's docs.
_ninja = find_spec("ninja")
if _ninja is None or _ninja.origin is None:
    raise ImproperlyConfigured("django-ninja is not installed")
NINJA_DIR = Path(_ninja.origin).parent

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grassroots.web.context_processors.header",
                "grassroots.notifications.context_processors.unread",
            ],
        },
    },
]


def _redacted(url: str) -> str:
    """The URL without its password, so an error message never leaks it."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


# Every SQLite database, the default one or one named by DATABASE_URL=sqlite://…: WAL lets
# readers go on while one writer writes, and IMMEDIATE transactions take the write lock at
# their start, so two concurrent writers queue (busy timeout) instead of failing mid-way.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "grassroots.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    example = "use e.g. postgres://postgres@127.0.0.1:5432/grassroots"
    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except dj_database_url.UnknownSchemeError:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        reason = f"unknown scheme {scheme!r}" if scheme else "no scheme"
        raise ImproperlyConfigured(
            f"DATABASE_URL={_redacted(url)!r}: {reason}; {example}"
        ) from None
    except Exception:  # dj-database-url raises several kinds (ParseError, ValueError, ...)
        raise ImproperlyConfigured(
            f"DATABASE_URL={_redacted(url)!r} is not a valid database URL; {example}"
        ) from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(
            f"DATABASE_URL={_redacted(url)!r}: unknown database scheme; {example}"
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL={_redacted(url)!r} names no database; {example}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {**SQLITE_OPTIONS, **(config.get("OPTIONS") or {})}
    return dict(config)


DATABASES = {"default": _database()}

# The ranking policy of a province that has set none (issue 12): "analysis", the SPP's practice
# since October 2024 — no page or document shows ranks. A province switches to "ranking" on
# the reports page.
REPORTS_RANKING = "analysis"

# Caches live in each process's memory (no cache server to run). "league" holds the league
# table's rendered rows per finished run (evaluation/templatetags/league_rows.py); its key
# names everything the rows depend on, so a process never serves stale or another role's rows.
# A national table's rows are ~1.3 MB, a province's ~60 kB: at most 64 entries per process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "grassroots-default",
    },
    "league": {
        # The objects themselves, not pickled copies: see grassroots/web/caches.py.
        "BACKEND": "grassroots.web.caches.ObjectCache",
        "LOCATION": "grassroots-league",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 64},
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["grassroots.organisations.backends.MembershipModelBackend"]
# Every path that sets a password checks these (pages, `grassroots users add|passwd`).
GRASSROOTS_PASSWORD_MIN_LENGTH = max(12, envint("GRASSROOTS_PASSWORD_MIN_LENGTH", "12"))
_RULES = "grassroots.organisations.security.passwords"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": f"{_RULES}.LengthValidator",
        "OPTIONS": {"min_length": GRASSROOTS_PASSWORD_MIN_LENGTH},
    },
    {"NAME": f"{_RULES}.CharacterClassValidator"},
    {"NAME": f"{_RULES}.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": f"{_RULES}.ShippedCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Identity and sessions (organisations/security/): lockout by account with progressive delays,
# password age, session limits, the administrators' second factor. docs/security.md.
GRASSROOTS_LOGIN_FAILURE_LIMIT = envint("GRASSROOTS_LOGIN_FAILURE_LIMIT", "5")
GRASSROOTS_LOGIN_LOCK_MINUTES = envint("GRASSROOTS_LOGIN_LOCK_MINUTES", "1")
GRASSROOTS_LOGIN_LOCK_MAX_MINUTES = envint("GRASSROOTS_LOGIN_LOCK_MAX_MINUTES", "15")
GRASSROOTS_PASSWORD_MAX_AGE_DAYS = envint("GRASSROOTS_PASSWORD_MAX_AGE_DAYS", "90")
GRASSROOTS_SESSION_IDLE_MINUTES = envint("GRASSROOTS_SESSION_IDLE_MINUTES", "30")
GRASSROOTS_SESSION_MAX_HOURS = envint("GRASSROOTS_SESSION_MAX_HOURS", "8")
GRASSROOTS_ADMIN_TWO_FACTOR = envbool("GRASSROOTS_ADMIN_TWO_FACTOR", "False")
# Addresses of trusted proxies in front (each appends to X-Forwarded-For); 0: none.
GRASSROOTS_PROXY_HOPS = envint("GRASSROOTS_PROXY_HOPS", "0")
# Audit entries are never deleted by the application; the retention an operator's archiving
# must respect is at least 180 days (MLPS level 3).
GRASSROOTS_AUDIT_RETENTION_DAYS = envint("GRASSROOTS_AUDIT_RETENTION_DAYS", "180")
if GRASSROOTS_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        f"GRASSROOTS_AUDIT_RETENTION_DAYS={GRASSROOTS_AUDIT_RETENTION_DAYS}: audit entries are "
        "kept at least 180 days"
    )

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The static files live in the package (grassroots/web/static) and WhiteNoise serves them
# through the finders, so no collect step is needed and no empty var/static is expected.
# A deployment that wants compressed, collected files sets GRASSROOTS_STATIC_ROOT and runs
# `grassroots manage collectstatic`.
_static_root = os.environ.get("GRASSROOTS_STATIC_ROOT", "").strip()
STATIC_ROOT = Path(_static_root).resolve() if _static_root else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [NINJA_DIR / "static"]  # ninja/swagger-ui*.js|css, as the app had them

# Uploads: streamed to a private temporary file under the data directory, the size limit
# enforced while the bytes arrive (grassroots/web/uploads.py); files the server stores are
# 0600 in 0700 folders under the data directory, never in the working directory.
FILE_UPLOAD_HANDLERS = ["grassroots.web.uploads.LimitedUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_ROOT = DATA_DIR / "media"

# Security headers. HSTS and secure cookies switch on with GRASSROOTS_HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Database sessions, read with SQL built once per process (grassroots/web/sessions.py).
SESSION_ENGINE = "grassroots.web.sessions"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# Load balancers probe the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# HSTS preload (security.W021) lists a public domain in the browsers' source code; an
# installation on a government intranet has no such domain. `grassroots check --deploy` runs
# Django's other deployment checks.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_AGE = GRASSROOTS_SESSION_MAX_HOURS * 3600
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# HTMX sends the token from the page (hx-headers), so the cookie need not be readable by JS.
CSRF_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Grassroots' own settings.
GRASSROOTS_CLERK_SEES_CITY_LEAGUE = envbool("GRASSROOTS_CLERK_SEES_CITY_LEAGUE", "False")
GRASSROOTS_API_TOKEN_TTL_DAYS = envint("GRASSROOTS_API_TOKEN_TTL_DAYS", "90")
# Every token expires; none lives longer than this.
GRASSROOTS_API_TOKEN_MAX_DAYS = envint("GRASSROOTS_API_TOKEN_MAX_DAYS", "365")

# Big-data legal supervision (issue 16). Identity numbers are joined on an HMAC-SHA256 under
# GRASSROOTS_ID_HASH_KEY and kept encrypted (Fernet) under GRASSROOTS_ID_SEAL_KEY; both default
# to keys derived from SECRET_KEY. Changing the hash key breaks joins with stored datasets.
GRASSROOTS_ID_HASH_KEY = os.environ.get("GRASSROOTS_ID_HASH_KEY", "") or f"id-hash:{SECRET_KEY}"
GRASSROOTS_ID_SEAL_KEY = os.environ.get("GRASSROOTS_ID_SEAL_KEY", "") or f"id-seal:{SECRET_KEY}"
# Days a lead may stay at each step before it is overdue.
GRASSROOTS_LEAD_STEP_DAYS = {
    "screening": envint("GRASSROOTS_LEAD_SCREENING_DAYS", "7"),
    "review": envint("GRASSROOTS_LEAD_REVIEW_DAYS", "15"),
    "verification": envint("GRASSROOTS_LEAD_VERIFICATION_DAYS", "30"),
    "filed": envint("GRASSROOTS_LEAD_FILED_DAYS", "30"),
    "hearing": envint("GRASSROOTS_LEAD_HEARING_DAYS", "30"),
    "document": envint("GRASSROOTS_LEAD_DOCUMENT_DAYS", "15"),
    "follow_up": envint("GRASSROOTS_LEAD_FOLLOW_UP_DAYS", "60"),
}
# Years a dataset is kept unless its upload says otherwise.
GRASSROOTS_DATASET_RETENTION_YEARS = envint("GRASSROOTS_DATASET_RETENTION_YEARS", "3")

# Notifications (issue 13): e-mail only when an SMTP server is named; the worker
# (`grassroots runs work`) sends the outbox, never a web request.
GRASSROOTS_SMTP_HOST = os.environ.get("GRASSROOTS_SMTP_HOST", "").strip()
GRASSROOTS_SMTP_PORT = envint("GRASSROOTS_SMTP_PORT", "25")
GRASSROOTS_SMTP_USER = os.environ.get("GRASSROOTS_SMTP_USER", "")
GRASSROOTS_SMTP_PASSWORD = os.environ.get("GRASSROOTS_SMTP_PASSWORD", "")
GRASSROOTS_SMTP_STARTTLS = envbool("GRASSROOTS_SMTP_STARTTLS", "False")
GRASSROOTS_SMTP_SSL = envbool("GRASSROOTS_SMTP_SSL", "False")
GRASSROOTS_SMTP_TIMEOUT = envint("GRASSROOTS_SMTP_TIMEOUT", "20")
GRASSROOTS_SMTP_RETRY_MAX_MINUTES = envint("GRASSROOTS_SMTP_RETRY_MAX_MINUTES", "360")
GRASSROOTS_MAIL_FROM = os.environ.get("GRASSROOTS_MAIL_FROM", "grassroots@localhost")
# Links in e-mail are made absolute with this address (e.g. https://grassroots.example.gov.cn).
GRASSROOTS_SITE_URL = os.environ.get("GRASSROOTS_SITE_URL", "").strip()
# The local hour from which the daily digest is sent.
GRASSROOTS_DIGEST_HOUR = envint("GRASSROOTS_DIGEST_HOUR", "8")

# The direct channel (直报, issue 13): time limits modelled on the SPP's petition standard
# (a first reply within 7 working days, a substantive one within 3 months, then monthly).
GRASSROOTS_DIRECT_FIRST_REPLY_WORKING_DAYS = envint(
    "GRASSROOTS_DIRECT_FIRST_REPLY_WORKING_DAYS", "7"
)
GRASSROOTS_DIRECT_SUBSTANTIVE_DAYS = envint("GRASSROOTS_DIRECT_SUBSTANTIVE_DAYS", "90")
GRASSROOTS_DIRECT_UPDATE_DAYS = envint("GRASSROOTS_DIRECT_UPDATE_DAYS", "30")
GRASSROOTS_DIRECT_ATTACHMENT_MAX_MB = envint("GRASSROOTS_DIRECT_ATTACHMENT_MAX_MB", "20")
