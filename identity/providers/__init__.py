"""Identity providers citizens log in with (OpenID Connect), in the shape of ``portal.plugins``.

``base.py`` says what the relying party (:mod:`identity.oidc`) needs from a provider,
``registry.py`` holds the registered ones and picks the one ``CITIZEN_IDENTITY_PROVIDER`` names,
``contrib/<vendor>/`` holds one implementation each (today VNeID).
"""
