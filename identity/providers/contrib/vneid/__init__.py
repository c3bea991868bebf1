"""VNeID, the national electronic identity (định danh điện tử) of the Ministry of Public
Security."""

from . import plugin  # noqa: F401
