"""VNeID stand-in: an OpenID Connect provider (django-oauth-toolkit) with demo citizens.

Mounted under ``/vneid/`` of the sandbox. The issuer is ``$SANDBOX_URL/vneid``; the portal finds
every endpoint through ``/vneid/.well-known/openid-configuration``.
"""
