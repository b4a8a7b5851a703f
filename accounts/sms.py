"""Text messages. One entry point, `send_sms`; the backend named by settings.SMS_BACKEND delivers.

The default backend writes the message to the log, for development: the log then holds codes, so production
refuses to start with it (config/settings.py); a real gateway plugs in here. Tests use `LocmemBackend`, which
keeps messages in `outbox`. Nothing here logs a full phone number.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from core.identity import mask_phone

logger = logging.getLogger("gongyi.sms")


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        # The code is the point of this backend; the number is not (the developer knows whose it is).
        logger.warning("SMS to %s: %s", mask_phone(phone), text)


outbox: list[tuple[str, str]] = []


class LocmemBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))


def send_sms(*, phone: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(phone, text)
