"""The OAuth2 validator of the VNeID stand-in: which claims go into ID tokens and userinfo."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from .models import CLAIM_NAMES


def _claim(name: str):
    return lambda request: request.user.claims()[name]


class VNeIDValidator(OAuth2Validator):
    """Releases VNeID's claims (``SoDinhDanh``, ``HoVaTen``…) under the ``profile`` scope.

    ``sub`` stays under ``openid``. The claims are declared without looking at the request so that
    discovery can list them in ``claims_supported``.
    """

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        **{name: "profile" for name in CLAIM_NAMES if name != "sub"},
    }

    def get_additional_claims(self):
        return {name: _claim(name) for name in CLAIM_NAMES}
