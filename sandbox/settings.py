"""Settings of the sandbox project (``DJANGO_SETTINGS_MODULE=sandbox.settings``).

Deliberately independent of ``portal.settings``: the sandbox plays systems that live elsewhere,
so it reads its own environment variables (all prefixed ``SANDBOX_``) and keeps its own database.
Each variable is listed with its default in ``docs/configuration.md``.
"""

import os
from pathlib import Path

import dj_database_url

from sandbox.vneid import keys as vneid_keys

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


VAR_DIR = Path(_env("SANDBOX_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = _env("SANDBOX_SECRET_KEY", "insecure-sandbox-key-for-local-use-only")
DEBUG = _env_bool("SANDBOX_DEBUG", False)
ALLOWED_HOSTS = [
    host.strip()
    for host in _env("SANDBOX_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,sandbox").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "sandbox",
    "sandbox.vneid",
    "sandbox.vnpay",
    "sandbox.sms",
    "sandbox.post",
    "sandbox.nationalportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sandbox.vneid.middleware.SigningKeyRefreshMiddleware",
]

ROOT_URLCONF = "sandbox.urls"
WSGI_APPLICATION = "sandbox.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        _env("SANDBOX_DATABASE_URL", f"sqlite:///{VAR_DIR / 'sandbox.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The poller (its own process) and the web process write at the same time: take the write
    # lock when a transaction begins and wait for it, instead of failing with "database is locked".
    # Write-ahead logging lets pages read while a change is written, and commits without a sync
    # to disk each (a test double may lose its last changes in a power cut, never its integrity).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "sandbox-static"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Browsers share cookies between ports of one host, so the sandbox must not use the portal's
# cookie names: signing in to a stand-in would otherwise overwrite the portal's session.
SESSION_COOKIE_NAME = "sandbox_sessionid"
CSRF_COOKIE_NAME = "sandbox_csrftoken"

# Where the sandbox itself is reached (links, the VNeID issuer) and where the portal answers
# (the stand-ins link back to it, redirect to it and, later, call its APIs).
SANDBOX_URL = _env("SANDBOX_URL", "http://127.0.0.1:8100").rstrip("/")
PORTAL_URL = _env("SANDBOX_PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")

# --- VNeID stand-in (OpenID provider, django-oauth-toolkit) ---------------------------------
AUTH_USER_MODEL = "vneid.Citizen"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "vneid:login"

VNEID_ISSUER = f"{SANDBOX_URL}/vneid"
VNEID_CLIENT_SECRET = _env("SANDBOX_VNEID_CLIENT_SECRET", "hcmc-portal-demo-secret")
VNEID_KEY_DIR = VAR_DIR / "sandbox-vneid"
_vneid_signing_keys = vneid_keys.load(
    VNEID_KEY_DIR,
    env_active=os.environ.get("SANDBOX_VNEID_RSA_PRIVATE_KEY", ""),
    env_inactive=os.environ.get("SANDBOX_VNEID_RSA_PRIVATE_KEYS_INACTIVE", ""),
)
VNEID_KEYS_FROM_ENVIRONMENT = _vneid_signing_keys.from_environment

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": VNEID_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _vneid_signing_keys.active,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": list(_vneid_signing_keys.inactive),
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    "OAUTH2_VALIDATOR_CLASS": "sandbox.vneid.claims.VNeIDValidator",
    "SCOPES": {
        "openid": "Định danh OpenID (sub)",
        "profile": "Thông tin định danh: số định danh, họ tên, ngày sinh, giới tính",
    },
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    # RFC 9700 gates: S256 only, no implicit or password grant, bearer tokens only in headers,
    # `iss` in the authorization response (RFC 9207), tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
}

# --- VNPay stand-in (payment gateway, protocol 2.1.0) --------------------------------------
# The demo merchant: the portal's VNPAY_TMN_CODE and VNPAY_HASH_SECRET defaults are the same.
VNPAY_TMN_CODE = _env("SANDBOX_VNPAY_TMN_CODE", "HCMCDVC1")
VNPAY_HASH_SECRET = _env("SANDBOX_VNPAY_HASH_SECRET", "hcmc-portal-vnpay-demo-secret")
VNPAY_IPN_URL = _env("SANDBOX_VNPAY_IPN_URL", f"{PORTAL_URL}/api/v1/payments/vnpay/ipn")
# The real gateway calls the IPN up to 10 times, 5 minutes apart, until it gets RspCode 00.
VNPAY_IPN_ATTEMPTS = int(_env("SANDBOX_VNPAY_IPN_ATTEMPTS", "10"))
VNPAY_IPN_INTERVAL_SECONDS = float(_env("SANDBOX_VNPAY_IPN_INTERVAL_SECONDS", "300"))

# --- SMS gateway stand-in (sandbox/sms) ----------------------------------------------------
SMS_API_KEY = _env("SANDBOX_SMS_API_KEY", "sandbox-sms-demo-key")
# Seconds the gateway waits before answering (after storing the message): tests of a sender
# that dies mid-send.
SMS_DELAY_SECONDS = float(_env("SANDBOX_SMS_DELAY_SECONDS", "0"))

# --- Postal service stand-in (sandbox/post) -----------------------------------------------
POST_API_KEY = _env("SANDBOX_POST_API_KEY", "sandbox-post-demo-key")
POST_CALLBACK_SECRET = _env("SANDBOX_POST_CALLBACK_SECRET", "sandbox-post-callback-secret")
# Each shipment is reported delivered by itself after this many seconds (0: only by hand).
POST_AUTO_DELIVER_SECONDS = float(_env("SANDBOX_POST_AUTO_DELIVER_SECONDS", "0"))

# --- National Public Service Portal stand-in ------------------------------------------------
# It polls the portal's change feed (where the portal answers, seen from the sandbox: in Compose
# the service name, not the browsers' origin) and receives pushes at $SANDBOX_URL/national-portal.
NATIONAL_PORTAL_FEED_URL = _env("SANDBOX_NATIONAL_PORTAL_FEED_URL", PORTAL_URL).rstrip("/")
NATIONAL_PORTAL_CLIENT_ID = _env("SANDBOX_NATIONAL_PORTAL_CLIENT_ID", "cong-dvc-quoc-gia")
NATIONAL_PORTAL_CLIENT_SECRET = _env(
    "SANDBOX_NATIONAL_PORTAL_CLIENT_SECRET", "hcmc-national-portal-demo-secret"
)
NATIONAL_PORTAL_PUSH_TOKEN = _env(
    "SANDBOX_NATIONAL_PORTAL_PUSH_TOKEN", "hcmc-national-portal-push-demo"
)
NATIONAL_PORTAL_POLL_SECONDS = float(_env("SANDBOX_NATIONAL_PORTAL_POLL_SECONDS", "5"))
NATIONAL_PORTAL_POLL_LIMIT = int(_env("SANDBOX_NATIONAL_PORTAL_POLL_LIMIT", "1000"))
NATIONAL_PORTAL_HTTP_TIMEOUT = float(_env("SANDBOX_NATIONAL_PORTAL_HTTP_TIMEOUT", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s sandbox %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env("SANDBOX_LOG_LEVEL", "INFO")},
}
