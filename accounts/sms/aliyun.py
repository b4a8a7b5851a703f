"""Alibaba Cloud SMS (阿里云短信服务, API dysmsapi 2017-05-25) through its SDK: SendSms sends one approved template,
QuerySendDetails reads a message's delivery report. Settings ALIYUN_SMS_* (README, "Text messages").

Alibaba names a template's parameters: the template registered there reads ${code} where ours reads {code}
(`registered_text`). Its dates are Beijing time.
"""

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from alibabacloud_dysmsapi20170525 import models as dysms
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config
from django.conf import settings
from Tea.exceptions import TeaException

from accounts.sms import Outgoing, Outstanding, Receipt, Sent, SmsRefused, Template
from accounts.sms.providers import (
    ACCOUNT_REFUSED,
    BAD_NUMBER,
    CONNECT_SECONDS,
    CONTENT_REFUSED,
    NETWORK,
    NOT_DELIVERED,
    OVER_QUOTA,
    READ_SECONDS,
    SIGN_REFUSED,
    TEMPLATE_REFUSED,
    THROTTLED,
    UNAVAILABLE,
    Refusal,
    refusal,
    split_endpoint,
    template_code,
)
from core.identity import mask_phone

logger = logging.getLogger("gongyi.sms")

BEIJING = ZoneInfo("Asia/Shanghai")

# The answer codes of Alibaba's SMS API (help.aliyun.com/document_detail/101346.html, "API错误码").
_FINAL = {
    BAD_NUMBER: ("isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED"),
    TEMPLATE_REFUSED: (
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
        "isv.INVALID_PARAMETERS",
    ),
    SIGN_REFUSED: ("isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_ILLEGAL", "isv.SIGN_STATE_ILLEGAL"),
    CONTENT_REFUSED: ("isv.BLACK_KEY_CONTROL_LIMIT", "isv.SMS_CONTENT_ILLEGAL"),
    OVER_QUOTA: ("isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL"),
    ACCOUNT_REFUSED: (
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "isv.PRODUCT_UN_SUBSCRIPT",
        "isv.PRODUCT_UNSUBSCRIBE",
        "isv.DENY_IP_RANGE",
        "isp.RAM_PERMISSION_DENY",
        "InvalidCredentials",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
    ),
}
# isv.BUSINESS_LIMIT_CONTROL: the per-number flow control (codes: 1 a minute, 5 an hour, 10 a day; notices: 50 a day
# per template) — later, the same text goes.
_RETRYABLE = {
    THROTTLED: ("isv.BUSINESS_LIMIT_CONTROL",),
    UNAVAILABLE: ("isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "isp.UNKNOWN", "ServiceUnavailable", "InternalError"),
}
KNOWN = {
    code: Refusal(reason, retryable=retryable)
    for table, retryable in ((_FINAL, False), (_RETRYABLE, True))
    for reason, codes in table.items()
    for code in codes
}
PREFIXES = {
    "Throttling": Refusal(THROTTLED, retryable=True),
    "InvalidAccessKeyId": Refusal(ACCOUNT_REFUSED, retryable=False),
    "Forbidden": Refusal(ACCOUNT_REFUSED, retryable=False),
}

# QuerySendDetails' SendStatus.
WAITING, FAILED, DELIVERED = 1, 2, 3


def registered_text(template: Template) -> str:
    """The template as it is registered with Alibaba: {name} becomes ${name}."""
    return template.registered.format_map({name: "${" + name + "}" for name in template.params})


class AliyunBackend:
    name = "aliyun"

    def send(self, message: Outgoing) -> Sent:
        request = dysms.SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=settings.SMS_SIGN_NAME,
            template_code=template_code(message),
            template_param=json.dumps(message.params, ensure_ascii=False) if message.params else None,
            out_id=message.reference,
        )
        body = self._answer(self._client().send_sms, request)
        return Sent(provider_id=body.biz_id)

    def receipts(self, outstanding: Sequence[Outstanding]) -> list[Receipt]:
        """One QuerySendDetails per message (by number, BizId and the Beijing date it was sent); a message still
        waiting for its report is left out. A provider that cannot be reached raises SmsRefused (retryable): ask
        again later. A refusal about one message (e.g. sent more than 30 days ago) is logged and skipped."""
        client = self._client()
        found = []
        for each in outstanding:
            request = dysms.QuerySendDetailsRequest(
                phone_number=each.phone,
                biz_id=each.provider_id,
                send_date=each.sent_at.astimezone(BEIJING).strftime("%Y%m%d"),
                page_size=10,
                current_page=1,
            )
            try:
                body = self._answer(client.query_send_details, request)
            except SmsRefused as refused:
                if refused.retryable:
                    raise
                logger.warning("Aliyun has no report for %s: %s", mask_phone(each.phone), refused.code)
                continue
            details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            if details:
                receipt = _receipt(each.provider_id, details[0])
                if receipt is not None:
                    found.append(receipt)
        return found

    def _client(self) -> Client:
        scheme, host = split_endpoint(settings.ALIYUN_SMS_ENDPOINT)
        config = Config(
            access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
            access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
            endpoint=host,
            protocol=scheme.upper(),
            connect_timeout=CONNECT_SECONDS * 1000,
            read_timeout=READ_SECONDS * 1000,
        )
        return Client(config)

    def _answer(self, call: Callable, request):
        """The body of a successful answer; any other answer raises SmsRefused. The SDK does not retry (no
        retry options): the task queue does, with its backoff."""
        try:
            body = call(request).body
        except AlibabaCloudException as error:
            code = error.code or f"HTTP {error.status_code}"
            if error.status_code and error.status_code >= 500:
                raise NETWORK.error(code) from error
            raise refusal(code, KNOWN, PREFIXES).error(code) from error
        except TeaException as error:  # no connection or a timeout (RetryError), an answer not JSON (RuntimeError)
            raise NETWORK.error(type(getattr(error, "inner_exception", error)).__name__) from error
        if body.code != "OK":
            raise refusal(body.code or "", KNOWN, PREFIXES).error(body.code or "")
        return body


def _receipt(provider_id: str, detail) -> Receipt | None:
    status = int(detail.send_status or WAITING)
    if status not in (DELIVERED, FAILED):
        return None  # still waiting for the phone company
    at = None
    if detail.receive_date:
        try:
            at = datetime.strptime(detail.receive_date, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
        except ValueError:
            at = None
    if status == DELIVERED:
        return Receipt(provider_id=provider_id, delivered=True, at=at)
    code = detail.err_code or ""
    return Receipt(
        provider_id=provider_id, delivered=False, code=code, reason=str(NOT_DELIVERED) % {"code": code}, at=at
    )
