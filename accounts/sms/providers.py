"""What the Alibaba and Tencent adapters share: the plain words a committee reads when a gateway refuses a text or
reports it undelivered, and how an endpoint setting names a scheme and a host."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.sms import TEMPLATES, Outgoing, SmsRefused

BAD_NUMBER = _("The number is not a mobile number the provider can send to.")
BLOCKED = _("The number refuses texts: its owner unsubscribed or the provider blocks it.")
TEMPLATE_REFUSED = _(
    "The provider refused the template or its parameters: register the template word for word and set its code."
)
SIGN_REFUSED = _("The provider refused the signature: SMS_SIGN_NAME must be the approved signature, word for word.")
CONTENT_REFUSED = _("The provider refused a word in the text's parameters.")
OVER_QUOTA = _("The text-message account is out of credit or over its daily or monthly limit.")
ACCOUNT_REFUSED = _("The provider refused the account's keys or permissions.")
THROTTLED = _("The provider limits how many texts this number may receive for now; it will be tried again later.")
UNAVAILABLE = _("The text-message provider could not be reached or failed; it will be tried again later.")
OTHER = _("The provider refused the text (code %(code)s).")
NOT_DELIVERED = _("The phone company could not deliver the text (%(code)s).")
NO_TEMPLATE_CODE = _("No provider template code is set for the template %(name)s (%(variable)s).")

# How long a request may take. A sign-in code is sent while the person waits for the page.
CONNECT_SECONDS = 5
READ_SECONDS = 10


@dataclass(frozen=True)
class Refusal:
    reason: Promise
    retryable: bool

    def error(self, code: str) -> SmsRefused:
        # In the language active now: the person's in a request, Chinese (the default) in the task queue.
        return SmsRefused(str(self.reason) % {"code": code}, code=code, retryable=self.retryable)


FINAL_OTHER = Refusal(OTHER, retryable=False)
NETWORK = Refusal(UNAVAILABLE, retryable=True)


def refusal(code: str, known: dict[str, Refusal], prefixes: dict[str, Refusal]) -> Refusal:
    """The provider's answer `code` in plain words: an exact code first, then a family of codes (its prefix); an
    unknown code is final, so a new kind of refusal never loops in retries."""
    if code in known:
        return known[code]
    for prefix, meaning in prefixes.items():
        if code.startswith(prefix):
            return meaning
    return FINAL_OTHER


def split_endpoint(value: str) -> tuple[str, str]:
    """("https", "dysmsapi.aliyuncs.com") from a host name, or from a URL such as http://127.0.0.1:8080 (a local
    fake of the provider, in tests)."""
    if "://" not in value:
        return "https", value.strip().rstrip("/")
    parts = urlsplit(value.strip())
    return parts.scheme.lower(), parts.netloc


def template_code(message: Outgoing) -> str:
    """The provider's code of the message's template; without one the text is refused before the provider is asked."""
    if not message.template.code:
        variable = f"SMS_TEMPLATE_{message.template.name.upper()}"
        raise SmsRefused(str(NO_TEMPLATE_CODE) % {"name": message.template.name, "variable": variable})
    return message.template.code


def missing_template_codes() -> list[str]:
    """The SMS_TEMPLATE_<NAME> variables not set: a gateway sends a template only by the code it approved."""
    return [f"SMS_TEMPLATE_{name.upper()}" for name, template in TEMPLATES.items() if not template.code]
