"""Django settings, read from environment variables.

GRASSROOTS_DEBUG        true only for local demo use (default false)
GRASSROOTS_SECRET_KEY   required when debug is off
DATABASE_URL            e.g. postgres://postgres@127.0.0.1:5432/grassroots; default: SQLite under the data dir
GRASSROOTS_DATA_DIR     where the SQLite database and data versions live (default ./var)
GRASSROOTS_ALLOWED_HOSTS comma separated (default 127.0.0.1,localhost)
GRASSROOTS_HTTPS        true when served over HTTPS: secure cookies, HSTS, SSL redirect
GRASSROOTS_STATIC_ROOT  optional: where `grassroots manage collectstatic` writes (default: none;
                        the static files ship inside the package and are served from there)

Django's admin is deliberately not installed: audit entries and other business records must not
be editable outside the services that write them.
"""

from __future__ import annotations

import os
import re
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
    "axes",
    # Installed so the API docs use ninja's bundled Swagger UI instead of a CDN.
    "ninja",
    "grassroots.organisations",
    "grassroots.intake",
    "grassroots.evaluation",
    "grassroots.assistance",
    "grassroots.supervision",
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
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grassroots.web.urls"
WSGI_APPLICATION = "grassroots.web.wsgi.application"

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
                "grassroots.web.context_processors.header",
            ],
        },
    },
]


def _redacted(url: str) -> str:
    """The URL without its password, so an error message never leaks it."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "grassroots.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
            },
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
    return dict(config)


DATABASES = {"default": _database()}

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
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "grassroots-league",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 64},
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "grassroots.organisations.backends.MembershipModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = envint("GRASSROOTS_LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

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

# Security headers. HSTS and secure cookies switch on with GRASSROOTS_HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# Load balancers probe the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_AGE = 8 * 3600
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
