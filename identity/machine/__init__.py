"""Machine clients (hệ thống kết nối): short-lived scoped tokens and how the API checks them.

A machine client (e.g. the National Public Service Portal) exchanges its id and secret for a
signed token at ``POST /api/v1/auth/token``, then calls the API with
``Authorization: Bearer <token>``. By concern:

- :mod:`.clients`: the clients and their scopes (create, rotate a secret);
- :mod:`.tokens`: the token endpoint's logic (client authentication, rate limit, signing);
- :mod:`.authentication`: the bearer token on API calls (:class:`MachineTokenAuthentication`);
- :mod:`.permissions`: what a token allows (:class:`HasScopes`, :class:`IsMachineClient`).

Refusals are audited in one place each: a bad bearer token in :mod:`.authentication`
(``TOKEN_REFUSED``), a failed token request in :mod:`.tokens`, a missing scope or permission by
``identity/signals.py`` when ``portal.api.exception_handler`` sends ``api_request_refused``
(``PERMISSION_DENIED``). ``identity.machine`` keeps the names other code imports.
"""

from .authentication import (
    REALM,
    InvalidToken,
    MachinePrincipal,
    MachineTokenAuthentication,
    MachineTokenScheme,
    machine_principal,
)
from .clients import (
    KNOWN_SCOPES,
    SCOPE_TOKEN,
    ensure_client,
    generate_secret,
    parse_scopes,
    rotate_secret,
)
from .permissions import HasScopes, InsufficientScope, IsMachineClient
from .tokens import (
    IssuedToken,
    TokenRequestError,
    client_credentials,
    count_failure,
    failure_window,
    issue_token,
    max_failures,
    max_failures_per_address,
)

__all__ = [
    "KNOWN_SCOPES",
    "REALM",
    "SCOPE_TOKEN",
    "HasScopes",
    "InsufficientScope",
    "InvalidToken",
    "IsMachineClient",
    "IssuedToken",
    "MachinePrincipal",
    "MachineTokenAuthentication",
    "MachineTokenScheme",
    "TokenRequestError",
    "client_credentials",
    "count_failure",
    "ensure_client",
    "failure_window",
    "generate_secret",
    "issue_token",
    "machine_principal",
    "max_failures",
    "max_failures_per_address",
    "parse_scopes",
    "rotate_secret",
]
