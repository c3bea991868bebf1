"""Settings shared by every environment.

Every value that differs between machines comes from the environment; the default given here is
the one the embedded demo uses (SQLite under ``var/``, a broker that needs no server). The full
list is documented in ``docs/configuration.md``.
"""

import hashlib
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from portal.queues import DEFAULT_QUEUE, task_queues, task_routes

from .env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY", "insecure-demo-key-only-for-local-use-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# How many reverse proxies in front of the web processes append to X-Forwarded-For (0: none).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "portal",
    "outbox",
    "procedures",
    "dossiers",
    "workflow",
    "payments",
    "identity",
    "backoffice",
    "sync",
    "reports",
]

MIDDLEWARE = [
    "portal.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost of ours: an HTML error page under /api/ (DEBUG's technical pages) becomes JSON.
    "portal.errors.ApiErrorsAsJsonMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    # Before CSRF: the CSRF failure page is rendered in the layout, with the request's nonce.
    "portal.middleware.PortalCSPMiddleware",
    "portal.input.RefuseNulInApiQueryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.session_refresh.SessionRefreshMiddleware",  # right after SessionMiddleware
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "identity.middleware.AccessMemoMiddleware",  # staff roles read once per request
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns lockouts raised by the backend into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL (e.g. postgres://user@127.0.0.1:5432/portal). Default: SQLite file in var/.
DATABASE_URL = env("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600) if DATABASE_URL else 0,
        conn_health_checks=bool(DATABASE_URL),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web, worker and beat processes of the demo share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

# --- Celery ---------------------------------------------------------------------------------
# REDIS_URL (e.g. redis://127.0.0.1:6379/0). Without it the broker is a folder under var/, so
# tasks still run in a separate worker process and no server is needed.
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "results").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
# Slow or external work runs on its own queue so it cannot starve the rest: portal/queues.py
# names every queue and the tasks routed to each.
CELERY_TASK_DEFAULT_QUEUE = DEFAULT_QUEUE
CELERY_TASK_QUEUES = task_queues()
CELERY_TASK_ROUTES = task_routes()
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False

# The outbox (outbox/): delivered messages are kept this long for the operators, then purged.
OUTBOX_KEEP_DELIVERED_DAYS = env_int("OUTBOX_KEEP_DELIVERED_DAYS", 30)

# --- Cache -----------------------------------------------------------------------------------
# Shared by all processes: Redis when REDIS_URL is set, else files under var/ (the demo).
# Holds the VNeID key set, consumed nonces and rate-limit counters.
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one client per connection pool (portal.redis_cache).
            "BACKEND": "portal.redis_cache.RedisCache",
            "LOCATION": env("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "portal",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Identity ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # counts failures and refuses locked accounts
    # Django's ModelBackend, loading the citizen profile with the user (one query, not two).
    "identity.backends.PortalModelBackend",
]
LOGIN_URL = "/backoffice/login/"
# Officials: lock after AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
# Lock the account as seen from one address: a whole office shares one address behind NAT, so
# the address alone must not lock everyone out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "identity.views_official.official_locked_out"
# Name shown in officials' authenticator apps.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Cổng DVC TP.HCM")
# The identity provider citizens log in with (identity/providers/contrib/<id>/).
CITIZEN_IDENTITY_PROVIDER = env("CITIZEN_IDENTITY_PROVIDER", "vneid")
# VNeID (OpenID Connect). Defaults point at the sandbox stand-in of `make demo`.
VNEID_ISSUER = env("VNEID_ISSUER", "http://127.0.0.1:8100/vneid")
VNEID_CLIENT_ID = env("VNEID_CLIENT_ID", "hcmc-portal")
VNEID_CLIENT_SECRET = env("VNEID_CLIENT_SECRET", "hcmc-portal-demo-secret")
VNEID_REDIRECT_URI = env("VNEID_REDIRECT_URI", "")  # default: built from the request
VNEID_SCOPES = env("VNEID_SCOPES", "openid profile")
VNEID_CLOCK_SKEW_SECONDS = env_int("VNEID_CLOCK_SKEW_SECONDS", 60)
VNEID_HTTP_TIMEOUT_SECONDS = env_int("VNEID_HTTP_TIMEOUT_SECONDS", 5)
# A login started longer ago than this (state, nonce, PKCE verifier in the session) is refused.
VNEID_LOGIN_FLOW_SECONDS = env_int("VNEID_LOGIN_FLOW_SECONDS", 10 * 60)
# Machine clients get short-lived HS256 tokens signed with this secret.
MACHINE_TOKEN_SECRET = env(
    "MACHINE_TOKEN_SECRET",
    hashlib.sha256(f"machine-token:{SECRET_KEY}".encode()).hexdigest(),
)
MACHINE_TOKEN_ISSUER = env("MACHINE_TOKEN_ISSUER", "hcmc-portal")
MACHINE_TOKEN_TTL_SECONDS = env_int("MACHINE_TOKEN_TTL_SECONDS", 300)
# Failed token requests allowed for one client id from one address within the window, and from
# one address whatever the client ids (then 429 until the window ends).
MACHINE_TOKEN_MAX_FAILURES = env_int("MACHINE_TOKEN_MAX_FAILURES", 10)
MACHINE_TOKEN_MAX_FAILURES_PER_ADDRESS = env_int("MACHINE_TOKEN_MAX_FAILURES_PER_ADDRESS", 30)
MACHINE_TOKEN_FAILURE_WINDOW_SECONDS = env_int("MACHINE_TOKEN_FAILURE_WINDOW_SECONDS", 300)

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded documents live outside the web root and are served only through a permission check.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))
# Every upload is parsed in a child process with these bounds (dossiers.documents.inspection).
UPLOAD_CHECK_TIMEOUT_SECONDS = env_int("UPLOAD_CHECK_TIMEOUT_SECONDS", 20)
UPLOAD_CHECK_MEMORY_MB = env_int("UPLOAD_CHECK_MEMORY_MB", 768)
UPLOAD_PDF_MAX_INFLATED_MB = env_int("UPLOAD_PDF_MAX_INFLATED_MB", 256)
UPLOAD_IMAGE_MAX_PIXELS = env_int("UPLOAD_IMAGE_MAX_PIXELS", 50_000_000)
# Virus scan of every upload: off ("") or a scanner id ("clamd"); fails closed when on.
UPLOAD_ANTIVIRUS = env("UPLOAD_ANTIVIRUS", "")
CLAMD_ADDRESS = env("CLAMD_ADDRESS", "127.0.0.1:3310")
CLAMD_TIMEOUT_SECONDS = env_int("CLAMD_TIMEOUT_SECONDS", 30)

# Default working time of agencies without their own row (workflow.calendar, DOMAIN.md §4).
WORKING_HOURS = env("WORKING_HOURS", "07:00-11:30,13:30-17:00")
WORKING_WEEKDAYS = env("WORKING_WEEKDAYS", "12345")  # ISO digits, 1 = Monday
# Branches of central ministries in the city (ngành dọc: police, tax, customs, State Bank,
# court): their procedures get the vertical agencies' default workflow (workflow.templates).
VERTICAL_AGENCIES = [
    code.strip()
    for code in env("VERTICAL_AGENCIES", "H29.16,H29.17,H29.18,H29.19,H29.20").split(",")
    if code.strip()
]
# When the citizen answers a supplement request: "restart" the full duration (the default) or
# "shift" the due date by the working time the clock was paused (dossiers.deadlines).
SUPPLEMENT_CLOCK_RULE = env("SUPPLEMENT_CLOCK_RULE", "restart")

# --- Security defaults (production tightens them) ------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
# Sessions are read from the shared cache and written through to the database. Idle sessions
# end after SESSION_COOKIE_AGE; activity saves the session again at most once per
# SESSION_REFRESH_SECONDS (portal.session_refresh), not on every request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A refused CSRF check answers a translated page in the site's layout (JSON under /api/).
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
# Content-Security-Policy (django-csp 4): only our own files, and an inline script or style only
# with the request's nonce (``nonce="{{ request.csp_nonce }}"``). form-action also gets the VNeID
# origin at each request (portal.middleware.PortalCSPMiddleware); /api/v1/docs/ adds what
# Swagger UI needs (portal.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Browser features no page of the portal uses: empty allow-lists switch them off.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Authorization: Bearer <machine token>; None without one (identity/machine/authentication).
        "identity.machine.authentication.MachineTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The portal's parsers refuse NUL characters anywhere in the body (portal.input).
    "DEFAULT_PARSER_CLASSES": ["portal.input.JSONParser"],
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng Dịch vụ công TP. Hồ Chí Minh — API",
    "DESCRIPTION": "Public REST API of the Ho Chi Minh City online public-services portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Fields called ``action`` hold different enums (the audit log's, the dossier transitions').
    "ENUM_NAME_OVERRIDES": {
        "ActionEnum": "identity.api.AUDIT_ACTIONS",
        "TransitionActionEnum": "dossiers.lifecycle.table.ACTIONS",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Portal ----------------------------------------------------------------------------------
# Public dossier lookup (/lookup/): attempts allowed per address and per code within the window.
LOOKUP_MAX_ATTEMPTS = env_int("LOOKUP_MAX_ATTEMPTS", 10)
LOOKUP_WINDOW_SECONDS = env_int("LOOKUP_WINDOW_SECONDS", 600)
# City code of HCMC in the national agency code list (QĐ 20/2020/QĐ-TTg).
PORTAL_CITY_CODE = env("PORTAL_CITY_CODE", "H29")
SANDBOX_URL = env("SANDBOX_URL", "http://127.0.0.1:8100")

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
