"""Production: behind a TLS-terminating proxy, PostgreSQL and Redis required.

``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL`` and ``REDIS_URL`` must be set.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DATABASE_URL,
    NATIONAL_PORTAL_CLIENT_SECRET,
    NATIONAL_PORTAL_PUSH_TOKEN,
    REDIS_URL,
    SECRET_KEY,
    VNEID_CLIENT_SECRET,
)
from .env import env, env_bool, env_int

DEBUG = False
if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
if not DATABASE_URL or not REDIS_URL:
    raise ImproperlyConfigured("DATABASE_URL and REDIS_URL must be set in production.")
if len(env("MACHINE_TOKEN_SECRET")) < 50:
    raise ImproperlyConfigured(
        "MACHINE_TOKEN_SECRET must be set to a random value of 50+ characters."
    )
if VNEID_CLIENT_SECRET == "hcmc-portal-demo-secret":  # noqa: S105 - refusing the demo value
    raise ImproperlyConfigured("VNEID_CLIENT_SECRET must be the secret VNeID issued to the portal.")
if NATIONAL_PORTAL_PUSH_TOKEN == "hcmc-national-portal-push-demo":  # noqa: S105
    raise ImproperlyConfigured("NATIONAL_PORTAL_PUSH_TOKEN must be the national portal's token.")
if NATIONAL_PORTAL_CLIENT_SECRET == "hcmc-national-portal-demo-secret":  # noqa: S105
    raise ImproperlyConfigured("NATIONAL_PORTAL_CLIENT_SECRET must not be the demo secret.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
