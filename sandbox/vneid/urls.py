"""URLs of the VNeID stand-in, all under ``/vneid/``.

The OpenID endpoints are django-oauth-toolkit's own views, kept in its ``oauth2_provider``
namespace because the toolkit reverses them by those names (discovery, redirects).
"""

from django.urls import include, path
from oauth2_provider import urls as toolkit_urls
from oauth2_provider import views as toolkit

from . import views

provider_patterns = [
    path("authorize/", toolkit.AuthorizationView.as_view(), name="authorize"),
    path("token/", toolkit.TokenView.as_view(), name="token"),
    path("revoke_token/", toolkit.RevokeTokenView.as_view(), name="revoke-token"),
    *toolkit_urls.oidc_urlpatterns,  # discovery, JWKS, userinfo, logout
]

vneid_patterns = [
    path("login/", views.choose_citizen, name="login"),
]

urlpatterns = [
    path("", include((provider_patterns, "oauth2_provider"))),
    path("", include((vneid_patterns, "vneid"))),
]
