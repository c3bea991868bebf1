"""Machine clients (hệ thống kết nối); see :mod:`.tokens`. Split by concern in the next step."""

from .tokens import *  # noqa: F403
from .tokens import (  # noqa: F401
    _authenticate_client,
    _ip_key,
    _locked_for,
    _pair_key,
)
