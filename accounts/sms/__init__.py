"""Text messages. Every text Gongyi sends is a named template with parameters (`TEMPLATES`), because the Chinese
gateways send only templates a provider approved beforehand; `render` gives the Chinese text the phone shows.

One entry point sends: `send_sms(phone=, template=, params=)` hands an `Outgoing` to the backend named by
settings.SMS_BACKEND, which answers `Sent` (the provider's id of the message) or raises `SmsRefused`.
- `ConsoleBackend` writes the text to the log, for development: the log then holds codes, so production refuses
  to start with it (config/settings.py).
- `LocmemBackend` keeps texts in `outbox`, for tests.
- `accounts.sms.aliyun.AliyunBackend` and `accounts.sms.tencent.TencentBackend` send through the providers' SDKs.
A backend may also answer `receipts(outstanding)`: the providers' delivery reports for messages it sent.

Verification codes are sent at once, in the request that asks for them (the person is waiting for the code).
Everything else — notices, reminders, results, bills — is a row of the messaging app sent by the task queue.
Nothing here logs a full phone number.
"""

import logging
import math
import string
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from core.identity import mask_phone

logger = logging.getLogger("gongyi.sms")


@dataclass(frozen=True)
class Template:
    """One approved text. `text` uses {name} placeholders in `params` order (Tencent's templates number them
    {1}, {2}… in this order; Alibaba's name them ${name}). `kind` is the provider's class: a verification code
    or a notice (通知). The provider's template code comes from the environment (settings.SMS_TEMPLATE_CODES)."""

    name: str
    kind: str  # "code" | "notice"
    text: str
    params: tuple[str, ...]
    description: str = ""

    @property
    def code(self) -> str:
        return settings.SMS_TEMPLATE_CODES.get(self.name, "")

    @property
    def registered(self) -> str:
        """The text as registered with the provider: the site's address is part of it, because the providers refuse
        a link as a parameter; a link's parameter is only the short link's code (messaging.services.short_link)."""
        return self.text.replace("{site}", settings.SITE_URL.rstrip("/"))


# The texts to register with the provider, word for word (README, "Text messages"). Keep each parameter short:
# providers cap a parameter's length (Alibaba: 35 characters for most kinds of parameter).
TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "login_code",
            "code",
            "您的验证码为{code}，15分钟内有效，请勿告诉他人。",
            ("code",),
            "sign-in and sign-up code",
        ),
        Template(
            "reset_code",
            "code",
            "您正在重置共议密码，验证码{code}，15分钟内有效，请勿告诉他人。",
            ("code",),
            "password reset code",
        ),
        Template(
            "no_account",
            "notice",
            "有人用本号码申请共议验证码，但本号码尚未注册共议。如非本人操作，请忽略本短信。",
            (),
            "a code was asked for a number without an account",
        ),
        Template(
            "account_exists",
            "notice",
            "有人用本号码注册共议，但本号码已有账户，可直接用验证码登录。如非本人操作，请忽略本短信。",
            (),
            "a sign-up with a number that has an account",
        ),
        Template(
            "voting_opened",
            "notice",
            "{community}业主您好：“{title}”已开始表决，{deadline}截止。"
            "手机投票请点 {site}/s/{link} ，也可等志愿者上门。",
            ("community", "title", "deadline", "link"),
            "a proposal opened for voting",
        ),
        Template(
            "meeting_notice",
            "notice",
            "{community}业主您好：{title}已发布公告，{start}起表决，{deadline}截止。议程和投票请点 {site}/s/{link} 。",
            ("community", "title", "start", "deadline", "link"),
            "an owners' meeting's notice was published",
        ),
        Template(
            "reminder",
            "notice",
            "{community}业主您好：“{title}”将于{deadline}截止，您家还没有表决。手机投票请点 {site}/s/{link} 。",
            ("community", "title", "deadline", "link"),
            "a household has not voted yet",
        ),
        Template(
            "result",
            "notice",
            "{community}业主您好：“{title}”表决结果：{outcome}。详情请点 {site}/s/{link} 。",
            ("community", "title", "outcome", "link"),
            "a proposal's result",
        ),
        Template(
            "bill",
            "notice",
            "{community}业主您好：“{title}”已表决通过，您家应分摊{amount}元。明细和缴费方式请点 {site}/s/{link} 。",
            ("community", "title", "amount", "link"),
            "a household's share of a passed proposal's cost",
        ),
    )
}

# A text of at most 70 characters is one message; a longer one goes in parts of 67, each billed (the providers'
# rule for Chinese texts, the signature included).
SINGLE_LIMIT = 70
PART_LENGTH = 67


def render(template: Template, params: Mapping[str, str]) -> str:
    """The text the phone shows, without the signature."""
    return template.registered.format_map({name: str(params[name]) for name in template.params})


def signed(text: str) -> str:
    return f"【{settings.SMS_SIGN_NAME}】{text}"


def parts(text: str) -> int:
    """How many billed messages a text is, the signature included."""
    length = len(signed(text))
    return 1 if length <= SINGLE_LIMIT else math.ceil(length / PART_LENGTH)


@dataclass(frozen=True)
class Outgoing:
    phone: str  # 11 digits, mainland
    template: Template
    params: dict[str, str]
    # Ours, unique per message; a backend passes it to the provider where it can (Alibaba's OutId, Tencent's
    # SessionContext) so a delivery report can be matched even without the provider's id.
    reference: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def text(self) -> str:
        return render(self.template, self.params)


@dataclass(frozen=True)
class Sent:
    provider_id: str  # Alibaba's BizId, Tencent's SerialNo: what delivery reports name


@dataclass(frozen=True)
class Receipt:
    """A provider's delivery report for one message."""

    provider_id: str
    delivered: bool
    code: str = ""  # the provider's status code when not delivered
    reason: str = ""  # plain words for the committee's batch page
    at: datetime | None = None


@dataclass(frozen=True)
class Outstanding:
    """A message sent and not yet reported on, as `receipts` is asked about it."""

    provider_id: str
    phone: str
    sent_at: datetime


class SmsRefused(Exception):
    """The gateway did not take the message. `retryable`: worth trying again later (the network, the provider's
    rate limit); otherwise final (a bad number, a refused template, the account out of credit or over quota)."""

    def __init__(self, reason: str, *, code: str = "", retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retryable = retryable


class ConsoleBackend:
    name = "console"

    def send(self, message: Outgoing) -> Sent:
        # The code is the point of this backend; the number is not (the developer knows whose it is).
        logger.warning("SMS to %s: %s", mask_phone(message.phone), signed(message.text))
        return Sent(provider_id=f"console-{message.reference}")

    def receipts(self, outstanding: Sequence[Outstanding]) -> list[Receipt]:
        return [Receipt(provider_id=o.provider_id, delivered=True) for o in outstanding]


outbox: list[tuple[str, str]] = []
# The same messages as `outbox`, whole: tests of templates and parameters read these.
sent_messages: list[Outgoing] = []


class LocmemBackend:
    name = "locmem"

    def send(self, message: Outgoing) -> Sent:
        outbox.append((message.phone, message.text))
        sent_messages.append(message)
        return Sent(provider_id=f"locmem-{message.reference}")

    def receipts(self, outstanding: Sequence[Outstanding]) -> list[Receipt]:
        return [Receipt(provider_id=o.provider_id, delivered=True) for o in outstanding]


def backend():
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, phone: str, template: str, params: Mapping[str, str] | None = None) -> Sent:
    """Send one text now. Raises SmsRefused when the gateway does not take it."""
    chosen = TEMPLATES[template]
    given = {name: str(value) for name, value in (params or {}).items()}
    if set(given) != set(chosen.params):
        raise ValueError(f"template {template} takes {chosen.params}, not {tuple(given)}")
    return backend().send(Outgoing(phone=phone, template=chosen, params=given))


def param_safe(text: str, limit: int = 35) -> str:
    """A parameter as providers take it: no line breaks or control characters, at most `limit` characters."""
    cleaned = "".join(" " if ch in string.whitespace else ch for ch in str(text) if ch.isprintable() or ch.isspace())
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
