"""Text messages. One entry point, `send_sms`; the backend named by settings.SMS_BACKEND delivers.

The default backend writes the message to the log (a real gateway plugs in here). Tests use
`LocmemBackend`, which keeps messages in `outbox`.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("gongyi.sms")


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)


outbox: list[tuple[str, str]] = []


class LocmemBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def send_sms(*, phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
