"""Local development and the embedded demo (``make demo``).

Secrets come from the environment or, when unset, from ``var/secrets.json``: random values
drawn on the first run and reused afterwards (see ``local_secrets``), never from the source.
"""

from .base import *  # noqa: F403
from .base import VAR_DIR
from .env import env, env_bool
from .local_secrets import local_secrets

DEBUG = env_bool("DEBUG", True)

_generated = local_secrets(VAR_DIR)
SECRET_KEY = env("SECRET_KEY", _generated["SECRET_KEY"])
MACHINE_TOKEN_SECRET = env("MACHINE_TOKEN_SECRET", _generated["MACHINE_TOKEN_SECRET"])
