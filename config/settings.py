"""Settings for every environment, read from environment variables.

DJANGO_ENV=development (the default) runs on SQLite with safe local defaults.
DJANGO_ENV=production refuses to start without a strong SECRET_KEY, ALLOWED_HOSTS and
DATABASE_URL, and turns on the HTTPS and cookie protections that `check --deploy` asks for.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'")
PRODUCTION = DJANGO_ENV == "production"

DEV_SECRET_KEY = "development-only-not-secret-" + "x" * 40
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")

if PRODUCTION:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == DEV_SECRET_KEY:
        raise ImproperlyConfigured("Production needs SECRET_KEY: 50+ random characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production needs ALLOWED_HOSTS.")
    if not DATABASE_URL:
        raise ImproperlyConfigured("Production needs DATABASE_URL (PostgreSQL).")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "axes",
    "csp",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "roadmap",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps a session alive while it is used, writing it at most once a minute.
    "config.middleware.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session given a second factor (django-otp)?
    "django_otp.middleware.OTPMiddleware",
    # Secretariat accounts reach nothing without the second factor (accounts.two_factor).
    "accounts.two_factor_middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.lockout.ClientAddressAuditlogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "tracker.context_processors.unread_notifications",
            ],
        },
    },
]

# Database: SQLite file for a first run, PostgreSQL (psycopg 3) when DATABASE_URL says so.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, and statements a connection repeats prepared (psycopg
    # prepares one on its sixth use): the hot queries skip parsing and planning, which was a
    # third of PostgreSQL's time per API call. Turn off behind a pooler in transaction mode
    # (PgBouncer), which cannot keep a session's prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "roadmap",
            # Fail fast when Redis is away: callers (rate limits, /healthz) then carry on.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Page parts shown alike to many readers (tracker.data_version.cached), in each process's own
# memory: the version they are checked against is read from the database on every request.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    # At full scale a dashboard body is about 100 KB and an action page's 80 KB (the overview's
    # 3 MB, a few copies): about 20 to 30 MB per process. The least recently read go first.
    "OPTIONS": {"MAX_ENTRIES": 200},
}
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)

# Users log in by e-mail; see accounts.models.User.
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "roadmap:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes refuses log-ins after AXES_FAILURE_LIMIT failures for one account or from one
# address, for AXES_COOLOFF_MINUTES (or until the secretariat unlocks on /accounts/lockouts/).
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",
    "accounts.backends.AccountBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_of"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Log-ins and failures go to the audit trail (accounts.lockout); axes keeps only the counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# The number of reverse proxies in front of the app that append to X-Forwarded-For; 0 means
# clients connect directly and REMOTE_ADDR is their address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# A call to authenticate() without a request (Django's test client, a shell) has no address to
# count; production refuses it, development lets it through to the password check.
LOGIN_LOCKOUT_REQUIRES_REQUEST = env_bool("LOGIN_LOCKOUT_REQUIRES_REQUEST", PRODUCTION)
# Two-factor authentication (django-otp): authenticator-app codes (TOTP) and one-time recovery
# codes. A wrong code makes the device wait 1, 2, 4, 8... seconds before it accepts another, and
# counts as a failed log-in for the lock-out above.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Roadmap Tracker")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# How long the code step waits after the password was accepted before asking for it again.
TWO_FACTOR_PENDING_SECONDS = env_int("TWO_FACTOR_PENDING_SECONDS", 5 * 60)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)

# NATO's two official languages; Brussels time unless a user chooses otherwise.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Brussels")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# E-mail: printed to the console in development, SMTP in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "roadmap-tracker@localhost")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Security. Development keeps plain HTTP; production turns everything on.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
# Inactivity: SESSION_COOKIE_AGE counts from the last request (config.middleware).
SESSION_TOUCH_SECONDS = env_int("SESSION_TOUCH_SECONDS", 60)
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from this site's own files, no
# inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Celery: Redis broker when REDIS_URL is set; otherwise tasks run in-process (first run).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 14 * 60)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Review cycles: one scan for what is due, every REVIEW_SCHEDULE_EVERY_SECONDS; a run that
# waited in the queue longer than most of an interval is dropped (the next one does the work).
REVIEW_SCHEDULE_EVERY_SECONDS = env_int("REVIEW_SCHEDULE_EVERY_SECONDS", 15 * 60)
CELERY_BEAT_SCHEDULE: dict = {
    "run-review-schedule": {
        "task": "tracker.tasks.run_review_schedule",
        "schedule": REVIEW_SCHEDULE_EVERY_SECONDS,
        "options": {"expires": REVIEW_SCHEDULE_EVERY_SECONDS * 2 // 3},
    },
    "forget-old-data-changes": {
        "task": "tracker.tasks.forget_old_data_changes",
        "schedule": 60 * 60,
        "options": {"expires": 30 * 60},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Token first, so an anonymous request gets 401 with a WWW-Authenticate header, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_FILTER_BACKENDS": ["accounts.api.filtering.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "accounts.api.pagination.BoundedPageNumberPagination",
    "PAGE_SIZE": 50,
    # Per user (or per address when anonymous); a refused request gets 429 and Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.UserRateThrottle",
        "accounts.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api-token": env_str("API_TOKEN_RATE", "10/minute"),
        "user": env_str("API_USER_RATE", "600/minute"),
        "anon": env_str("API_ANON_RATE", "60/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Supply Chain Security Roadmap Tracker API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No online validator badge: the docs page makes no request outside this site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Every operation lists the errors DRF itself can answer (400, 401, 403, 404, 415, 429).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_error_responses",
    ],
    # "role" names two choice sets (membership, assignment); name each enum once.
    "ENUM_NAME_OVERRIDES": {
        "MembershipRoleEnum": "accounts.choices.Role",
        "AssignmentRoleEnum": "roadmap.choices.AssignmentRole",
        "ReleasabilityEnum": "accounts.choices.Releasability",
        "StatusEnum": "roadmap.choices.Status",
        "KindEnum": "accounts.choices.OrganisationKind",
        "NotificationKindEnum": "tracker.models.NotificationKind",
    },
}

# /healthz: the review schedule task records each run; a run older than this is "stale", and
# when HEALTH_REQUIRE_BEAT is on (production's default) a stale or missing one answers 503.
HEALTH_REQUIRE_BEAT = env_bool("HEALTH_REQUIRE_BEAT", PRODUCTION)
HEALTH_BEAT_MAX_AGE_SECONDS = env_int(
    "HEALTH_BEAT_MAX_AGE_SECONDS", 3 * REVIEW_SCHEDULE_EVERY_SECONDS
)

# Audit trail: before/after values of every change, as JSON.
AUDITLOG_STORE_JSON_CHANGES = True

# Product settings.
STALE_AFTER_DAYS = env_int("STALE_AFTER_DAYS", 90)
# Links in review e-mails: the site's base URL and the path of the worklist.
REVIEW_SITE_URL = env_str("REVIEW_SITE_URL", "http://localhost:8000")
REVIEW_WORKLIST_URL = env_str("REVIEW_WORKLIST_URL", "/")
# A digest still unsent this long after it was queued is queued again (its worker died).
REVIEW_REQUEUE_AFTER_SECONDS = env_int("REVIEW_REQUEUE_AFTER_SECONDS", 10 * 60)
# Best-practice attachments: kept outside STATIC_ROOT (and any media root) so no web server
# serves them; only the download view, after asking the policy, reads them.
BEST_PRACTICE_ATTACHMENT_ROOT = Path(
    env_str("BEST_PRACTICE_ATTACHMENT_ROOT", str(BASE_DIR / "var" / "attachments"))
)
BEST_PRACTICE_ATTACHMENT_MAX_BYTES = env_int("BEST_PRACTICE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
BEST_PRACTICE_ATTACHMENT_TYPES = env_list(
    "BEST_PRACTICE_ATTACHMENT_TYPES", ["pdf", "png", "jpeg", "docx", "xlsx", "text"]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
