"""Tencent Cloud SMS (腾讯云短信, API sms 2021-01-11) through its SDK: SendSms sends one approved template,
PullSmsSendStatus reads the delivery reports that came in since the last pull. Settings TENCENT_SMS_* (README,
"Text messages").

Tencent numbers a template's parameters: the template registered there reads {1}, {2}… in the order of our
template's `params` (`registered_text`), and SendSms takes the values as a list in that order.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from django.conf import settings
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from accounts.sms import Outgoing, Outstanding, Receipt, Sent, SmsRefused, Template
from accounts.sms.providers import (
    ACCOUNT_REFUSED,
    BAD_NUMBER,
    BLOCKED,
    CONTENT_REFUSED,
    FINAL_OTHER,
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

logger = logging.getLogger("gongyi.sms")


# The answer codes of Tencent's SMS API (cloud.tencent.com/document/api/382/59177, and the SDK's errorcodes.py).
_FINAL = {
    BAD_NUMBER: (
        "InvalidParameterValue.IncorrectPhoneNumber",
        "FailedOperation.PhoneNumberParseFail",
        "MissingParameter.EmptyPhoneNumberSet",
        "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    ),
    BLOCKED: ("FailedOperation.PhoneNumberInBlacklist",),
    TEMPLATE_REFUSED: (
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
        "FailedOperation.TemplateUnapprovedOrNotExist",
        "FailedOperation.TemplateIdNotExist",
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "InvalidParameterValue.ContentLengthLimit",
    ),
    SIGN_REFUSED: ("FailedOperation.SignatureIncorrectOrUnapproved", "FailedOperation.MissingSignature"),
    CONTENT_REFUSED: ("FailedOperation.ContainSensitiveWord", "InvalidParameter.DirtyWordFound"),
    OVER_QUOTA: (
        "FailedOperation.InsufficientBalanceInSmsPackage",
        "UnauthorizedOperation.ServiceSuspendDueToArrears",
        "LimitExceeded.AppDailyLimit",
        "LimitExceeded.DailyLimit",
        "LimitExceeded.AppMainlandChinaDailyLimit",
        "LimitExceeded.AppGlobalDailyLimit",
    ),
    ACCOUNT_REFUSED: (
        "InvalidCredential",
        "InvalidParameterValue.SdkAppIdNotExist",
        "InternalError.SigVerificationFail",
        "InternalError.SigFieldMissing",
    ),
}
_RETRYABLE = {
    THROTTLED: (
        "LimitExceeded.DeliveryFrequencyLimit",
        "LimitExceeded.GlobalSmsSendingRateLimit",
        "RequestLimitExceeded",
    ),
    # The SDK's own codes: no connection or a timeout, an HTTP status other than 200, an answer that is not JSON.
    UNAVAILABLE: ("ClientNetworkError", "ServerNetworkError", "JSONDecodeError", "KeyError"),
}
KNOWN = {
    code: Refusal(reason, retryable=retryable)
    for table, retryable in ((_FINAL, False), (_RETRYABLE, True))
    for reason, codes in table.items()
    for code in codes
}
PREFIXES = {
    # The per-number limits (30 seconds, an hour, a day, the same text a day): later, the same text goes.
    "LimitExceeded.PhoneNumber": Refusal(THROTTLED, retryable=True),
    "InternalError": Refusal(UNAVAILABLE, retryable=True),
    "AuthFailure": Refusal(ACCOUNT_REFUSED, retryable=False),
    "UnauthorizedOperation": Refusal(ACCOUNT_REFUSED, retryable=False),
}

PULL_LIMIT = 100  # the most one PullSmsSendStatus answers
MAX_PULLS = 20


def registered_text(template: Template) -> str:
    """The template as it is registered with Tencent: {name} becomes {1}, {2}… in `params` order."""
    numbered = {name: "{" + str(number) + "}" for number, name in enumerate(template.params, 1)}
    return template.registered.format_map(numbered)


class TencentBackend:
    name = "tencent"

    def send(self, message: Outgoing) -> Sent:
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{message.phone}"]
        request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_code(message)
        request.TemplateParamSet = [message.params[name] for name in message.template.params]
        request.SessionContext = message.reference
        try:
            statuses = self._client().SendSms(request).SendStatusSet or []
        except TencentCloudSDKException as error:
            raise _refused(error) from error
        if not statuses:
            raise FINAL_OTHER.error("NoSendStatus")
        if statuses[0].Code != "Ok":
            raise refusal(statuses[0].Code or "", KNOWN, PREFIXES).error(statuses[0].Code or "")
        return Sent(provider_id=statuses[0].SerialNo)

    def receipts(self, outstanding: Sequence[Outstanding]) -> list[Receipt]:
        """Every delivery report Tencent holds for this app since the last pull, whatever `outstanding` says: a
        pull takes reports off Tencent's queue, so they are answered even for messages not asked about (the caller
        matches them by provider id). Raises SmsRefused only when nothing was pulled; reports already pulled are
        never dropped for a later failure."""
        client = self._client()
        found: list[Receipt] = []
        for _pull in range(MAX_PULLS):
            request = models.PullSmsSendStatusRequest()
            request.Limit = PULL_LIMIT
            request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
            try:
                statuses = client.PullSmsSendStatus(request).PullSmsSendStatusSet or []
            except TencentCloudSDKException as error:
                if not found:
                    raise _refused(error) from error
                logger.warning("Tencent's report pull stopped after %s reports: %s", len(found), error.code)
                break
            found.extend(_receipt(status) for status in statuses)
            if len(statuses) < PULL_LIMIT:
                break
        return found

    def _client(self) -> SmsClient:
        scheme, host = split_endpoint(settings.TENCENT_SMS_ENDPOINT)
        try:
            credential = Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY)
        except TencentCloudSDKException as error:
            raise _refused(error) from error
        # The SDK does not retry (no retryer): the task queue does, with its backoff.
        profile = ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=host, reqTimeout=READ_SECONDS))
        return SmsClient(credential, settings.TENCENT_SMS_REGION, profile)


def _refused(error: TencentCloudSDKException) -> SmsRefused:
    code = error.code or ""
    return refusal(code, KNOWN, PREFIXES).error(code)


def _receipt(status) -> Receipt:
    at = datetime.fromtimestamp(status.UserReceiveTime, UTC) if status.UserReceiveTime else None
    if status.ReportStatus == "SUCCESS":
        return Receipt(provider_id=status.SerialNo, delivered=True, at=at)
    code = status.ReportStatus or "FAIL"
    reason = status.Description or str(NOT_DELIVERED) % {"code": code}
    return Receipt(provider_id=status.SerialNo, delivered=False, code=code, reason=reason, at=at)
