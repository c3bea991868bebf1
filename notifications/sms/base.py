"""What the notifications need from an SMS gateway, nothing vendor-specific."""

from __future__ import annotations

from abc import ABC, abstractmethod

from portal.plugins import Plugin


class SmsRefused(Exception):
    """The gateway refused the message for good (a number it cannot reach, a text it will not
    carry): retrying cannot help. Any other exception is a passing failure and is retried."""


class SmsGateway(Plugin, ABC):
    """An SMS gateway; its identifier is the value of ``SMS_GATEWAY`` that picks it."""

    @abstractmethod
    def send(self, phone: str, text: str, key: str) -> str:
        """Hand one SMS to the gateway and return its message id. ``key`` is the idempotency
        key: the same key again must not send a second SMS (the gateway answers with the first
        message's id)."""
