"""An SMS backend for the browser tests' server process: each text becomes a JSON line in the file named by
GONGYI_TEST_SMS_FILE, so the test (another process) reads the verification code a phone would receive."""

import json
import os

from django.core.exceptions import ImproperlyConfigured

from accounts.sms import LocmemBackend, Outgoing, Sent


class FileBackend(LocmemBackend):
    name = "file"

    def send(self, message: Outgoing) -> Sent:
        phone, text = message.phone, message.text
        path = os.environ.get("GONGYI_TEST_SMS_FILE")
        if not path:
            raise ImproperlyConfigured("tests.browser.sms.FileBackend needs GONGYI_TEST_SMS_FILE")
        # One short append per message: whole lines, even if two requests send at once.
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"phone": phone, "text": text}, ensure_ascii=False) + "\n")
        return Sent(provider_id=f"file-{message.reference}")
