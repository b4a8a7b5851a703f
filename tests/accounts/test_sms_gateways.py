"""Texts through the real Alibaba and Tencent SDKs against local fakes of the providers' HTTP APIs
(tests/fakes): what arrives, the provider's id, delivery reports, every kind of refusal in plain words with whether
it is worth retrying, an unreachable provider, and the sign-in code flow end to end."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from accounts.models import User
from accounts.sms import (
    TEMPLATES,
    Outstanding,
    SmsRefused,
    backend,
    param_safe,
    parts,
    render,
    send_sms,
    tencent,
)
from accounts.sms import providers as words

pytest_plugins = ["tests.fakes.fixtures"]

PHONE = "13812345678"
# A link's token: the providers refuse a link as a parameter (see test_a_link_as_a_parameter_is_refused), so a
# template that links fixes the site's address in its text and takes only the short link's token.
BILL = {"community": "橡胶园小区", "title": "更换3单元单元门", "amount": "1234.56", "link": "Ab3xY9"}


def outstanding(sent, phone=PHONE, at=None):
    return Outstanding(provider_id=sent.provider_id, phone=phone, sent_at=at or timezone.now())


def refusal(**send) -> SmsRefused:
    with pytest.raises(SmsRefused) as caught:
        send_sms(**{"phone": PHONE, "template": "login_code", "params": {"code": "246810"}, **send})
    return caught.value


def assert_refused(refused: SmsRefused, reason, *, code: str, retryable: bool):
    assert (refused.code, refused.retryable) == (code, retryable)
    assert refused.reason == str(reason) % {"code": code}
    assert str(refused) == refused.reason


# --- Alibaba Cloud ---------------------------------------------------------------------------------------------


def test_aliyun_send_arrives_with_the_signature_template_code_and_named_parameters(aliyun_sms, settings):
    sent = send_sms(phone=PHONE, template="bill", params=BILL)

    [text] = aliyun_sms.sent
    assert sent.provider_id == text.biz_id
    assert (text.phone, text.sign_name, text.template_code) == (PHONE, "共议测试", settings.SMS_TEMPLATE_CODES["bill"])
    assert text.params == BILL
    # The registered ${name} template filled in by the provider is the text Gongyi shows before sending.
    assert text.text == render(TEMPLATES["bill"], BILL)
    assert re.fullmatch(r"[0-9a-f]{32}", text.out_id)  # our reference, for matching reports


def test_aliyun_template_without_parameters_sends_none(aliyun_sms):
    send_sms(phone=PHONE, template="no_account")
    assert aliyun_sms.sent[0].params == {}
    assert "TemplateParam" not in aliyun_sms.calls[-1][1]


def test_aliyun_receipts_delivered_failed_and_still_waiting(aliyun_sms):
    delivered, failed, waiting = (send_sms(phone=PHONE, template="bill", params=BILL) for _ in range(3))
    aliyun_sms.deliver(delivered.provider_id)
    aliyun_sms.fail(failed.provider_id, "IC:0055")

    receipts = backend().receipts([outstanding(delivered), outstanding(failed), outstanding(waiting)])

    by_id = {r.provider_id: r for r in receipts}
    assert set(by_id) == {delivered.provider_id, failed.provider_id}  # the waiting one is left out
    assert by_id[delivered.provider_id].delivered
    assert by_id[delivered.provider_id].at is not None
    report = by_id[failed.provider_id]
    assert (report.delivered, report.code) == (False, "IC:0055")
    assert report.reason == str(words.NOT_DELIVERED) % {"code": "IC:0055"}
    assert [c[0] for c in aliyun_sms.calls] == ["SendSms"] * 3 + ["QuerySendDetails"] * 3


def test_aliyun_asks_for_reports_by_the_beijing_date_of_sending(aliyun_sms):
    sent = send_sms(phone=PHONE, template="login_code", params={"code": "135790"})
    # 00:30 in Beijing is still the day before in UTC: the provider files the text under the Beijing date.
    beijing = datetime(2026, 6, 2, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    aliyun_sms.sent[0].sent_at = beijing
    aliyun_sms.deliver(sent.provider_id)

    [receipt] = backend().receipts([outstanding(sent, at=beijing.astimezone(ZoneInfo("UTC")))])

    assert receipt.delivered
    assert aliyun_sms.calls[-1][1]["SendDate"] == "20260602"


@pytest.mark.parametrize(
    ("code", "status", "reason", "retryable"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", 200, words.THROTTLED, True),
        ("Throttling.User", 400, words.THROTTLED, True),
        ("isv.OUT_OF_SERVICE", 200, words.OVER_QUOTA, False),
        ("isv.DAY_LIMIT_CONTROL", 200, words.OVER_QUOTA, False),
        ("isv.TEMPLATE_MISSING_PARAMETERS", 200, words.TEMPLATE_REFUSED, False),
        ("isp.SYSTEM_ERROR", 200, words.UNAVAILABLE, True),
        ("isv.SOMETHING_NEW", 200, words.OTHER, False),  # an unknown code is final: it never loops in retries
    ],
)
def test_aliyun_answer_codes_in_plain_words(aliyun_sms, code, status, reason, retryable):
    aliyun_sms.answer_next(code, status=status)
    assert_refused(refusal(), reason, code=code, retryable=retryable)
    assert aliyun_sms.sent == []


def test_aliyun_refuses_a_bad_number_for_good(aliyun_sms):
    assert_refused(refusal(phone="12345678901"), words.BAD_NUMBER, code="isv.MOBILE_NUMBER_ILLEGAL", retryable=False)


def test_aliyun_refuses_an_unapproved_template_or_signature_for_good(aliyun_sms, settings):
    settings.SMS_TEMPLATE_CODES = {**settings.SMS_TEMPLATE_CODES, "login_code": "SMS_000000001"}
    assert_refused(refusal(), words.TEMPLATE_REFUSED, code="isv.SMS_TEMPLATE_ILLEGAL", retryable=False)
    settings.SMS_TEMPLATE_CODES = {**settings.SMS_TEMPLATE_CODES, "login_code": "SMS_465320000"}
    settings.SMS_SIGN_NAME = "共议科技"
    assert_refused(refusal(), words.SIGN_REFUSED, code="isv.SMS_SIGNATURE_ILLEGAL", retryable=False)
    assert aliyun_sms.sent == []


def test_aliyun_out_of_credit_is_final(aliyun_sms):
    aliyun_sms.balance = 1
    send_sms(phone=PHONE, template="login_code", params={"code": "111111"})
    assert_refused(refusal(), words.OVER_QUOTA, code="isv.AMOUNT_NOT_ENOUGH", retryable=False)
    assert len(aliyun_sms.sent) == 1


def test_aliyun_wrong_key_is_final(aliyun_sms, settings):
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "LTAI5tSomebodyElse"
    assert_refused(refusal(), words.ACCOUNT_REFUSED, code="InvalidAccessKeyId.NotFound", retryable=False)


@pytest.mark.parametrize(
    ("status", "body", "code"),
    # A proxy's page instead of JSON: the SDK's RuntimeError.
    [(500, None, "ServiceUnavailable"), (502, b"<html>502 Bad Gateway</html>", "RuntimeError")],
)
def test_aliyun_server_errors_are_retryable(aliyun_sms, status, body, code):
    aliyun_sms.break_next(status, body)
    assert_refused(refusal(), words.UNAVAILABLE, code=code, retryable=True)


def test_aliyun_unreachable_is_retryable(aliyun_sms):
    aliyun_sms.stop()
    assert_refused(refusal(), words.UNAVAILABLE, code="RetryError", retryable=True)


def test_aliyun_receipts_when_unreachable_raise_retryable(aliyun_sms):
    sent = send_sms(phone=PHONE, template="login_code", params={"code": "111111"})
    aliyun_sms.stop()
    with pytest.raises(SmsRefused) as caught:
        backend().receipts([outstanding(sent)])
    assert caught.value.retryable


def test_a_missing_template_code_is_refused_before_asking_the_provider(aliyun_sms, settings):
    settings.SMS_TEMPLATE_CODES = {}
    refused = refusal()
    assert (refused.code, refused.retryable) == ("", False)
    assert "login_code" in refused.reason
    assert aliyun_sms.calls == []


# --- Tencent Cloud ---------------------------------------------------------------------------------------------


def test_tencent_send_arrives_with_the_signature_template_id_and_ordered_parameters(tencent_sms, settings):
    sent = send_sms(phone=PHONE, template="bill", params=BILL)

    [text] = tencent_sms.sent
    assert sent.provider_id == text.serial_no
    assert (text.phone, text.sign_name, text.template_id) == (
        f"+86{PHONE}",
        "共议测试",
        settings.SMS_TEMPLATE_CODES["bill"],
    )
    assert text.params == [BILL["community"], BILL["title"], BILL["amount"], BILL["link"]]
    # {1}…{4} of the registered template filled in order give the text Gongyi shows before sending.
    assert text.text == render(TEMPLATES["bill"], BILL)
    assert re.fullmatch(r"[0-9a-f]{32}", text.session_context)
    action, body, headers = tencent_sms.calls[-1]
    assert (action, body["SmsSdkAppId"], headers["X-TC-Region"]) == ("SendSms", "1400812345", "ap-guangzhou")


def test_tencent_receipts_are_every_report_since_the_last_pull(tencent_sms):
    delivered, failed, waiting = (send_sms(phone=PHONE, template="bill", params=BILL) for _ in range(3))
    tencent_sms.deliver(delivered.provider_id)
    tencent_sms.fail(failed.provider_id, "用户关机")

    # Tencent answers whatever it holds, asked about these messages or not.
    receipts = backend().receipts([outstanding(waiting)])

    by_id = {r.provider_id: r for r in receipts}
    assert set(by_id) == {delivered.provider_id, failed.provider_id}
    assert by_id[delivered.provider_id].delivered
    assert by_id[delivered.provider_id].at is not None
    assert (by_id[failed.provider_id].delivered, by_id[failed.provider_id].code) == (False, "FAIL")
    assert by_id[failed.provider_id].reason == "用户关机"
    assert backend().receipts([outstanding(waiting)]) == []  # each report is pulled once


def test_tencent_pulls_until_the_queue_is_empty_and_keeps_what_it_pulled(tencent_sms, monkeypatch):
    monkeypatch.setattr(tencent, "PULL_LIMIT", 2)
    sent = [send_sms(phone=PHONE, template="login_code", params={"code": "123456"}) for _ in range(5)]
    for each in sent[:3]:
        tencent_sms.deliver(each.provider_id)
    assert {r.provider_id for r in backend().receipts([])} == {s.provider_id for s in sent[:3]}  # 2 pulls

    for each in sent[3:]:
        tencent_sms.deliver(each.provider_id)
    monkeypatch.setattr(tencent, "PULL_LIMIT", 1)
    tencent_sms.break_next(after=1)  # the second pull fails: the first one's report is not lost
    assert [r.provider_id for r in backend().receipts([])] == [sent[3].provider_id]


@pytest.mark.parametrize(
    ("code", "whole_request", "reason", "retryable"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", False, words.THROTTLED, True),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", False, words.THROTTLED, True),
        ("RequestLimitExceeded", True, words.THROTTLED, True),
        ("InternalError.Timeout", True, words.UNAVAILABLE, True),
        ("LimitExceeded.AppDailyLimit", False, words.OVER_QUOTA, False),
        ("UnauthorizedOperation.ServiceSuspendDueToArrears", True, words.OVER_QUOTA, False),
        ("FailedOperation.PhoneNumberInBlacklist", False, words.BLOCKED, False),
        ("FailedOperation.ContainSensitiveWord", True, words.CONTENT_REFUSED, False),
    ],
)
def test_tencent_answer_codes_in_plain_words(tencent_sms, code, whole_request, reason, retryable):
    tencent_sms.answer_next(code, whole_request=whole_request)
    assert_refused(refusal(), reason, code=code, retryable=retryable)
    assert tencent_sms.sent == []


def test_tencent_refuses_a_bad_number_for_good(tencent_sms):
    assert_refused(
        refusal(phone="1381234567"),
        words.BAD_NUMBER,
        code="InvalidParameterValue.IncorrectPhoneNumber",
        retryable=False,
    )


def test_tencent_refuses_an_unapproved_template_or_signature_for_good(tencent_sms, settings):
    settings.SMS_TEMPLATE_CODES = {**settings.SMS_TEMPLATE_CODES, "login_code": "999999"}
    assert_refused(
        refusal(), words.TEMPLATE_REFUSED, code="FailedOperation.TemplateIncorrectOrUnapproved", retryable=False
    )
    settings.SMS_TEMPLATE_CODES = {**settings.SMS_TEMPLATE_CODES, "login_code": "2160000"}
    settings.SMS_SIGN_NAME = "共议科技"
    assert_refused(
        refusal(), words.SIGN_REFUSED, code="FailedOperation.SignatureIncorrectOrUnapproved", retryable=False
    )
    assert tencent_sms.sent == []


def test_tencent_out_of_package_is_final(tencent_sms):
    tencent_sms.balance = 0
    assert_refused(refusal(), words.OVER_QUOTA, code="FailedOperation.InsufficientBalanceInSmsPackage", retryable=False)


def test_tencent_wrong_secret_or_app_is_final(tencent_sms, settings):
    settings.TENCENT_SMS_SDK_APP_ID = "1400999999"
    assert_refused(refusal(), words.ACCOUNT_REFUSED, code="InvalidParameterValue.SdkAppIdNotExist", retryable=False)
    settings.TENCENT_SMS_SECRET_ID = "AKIDSomebodyElse"
    assert_refused(refusal(), words.ACCOUNT_REFUSED, code="AuthFailure.SecretIdNotFound", retryable=False)
    settings.TENCENT_SMS_SECRET_ID = ""
    assert_refused(refusal(), words.ACCOUNT_REFUSED, code="InvalidCredential", retryable=False)


def test_tencent_server_error_is_retryable(tencent_sms):
    tencent_sms.break_next(502)
    assert_refused(refusal(), words.UNAVAILABLE, code="ServerNetworkError", retryable=True)


def test_tencent_unreachable_is_retryable(tencent_sms):
    tencent_sms.stop()
    assert_refused(refusal(), words.UNAVAILABLE, code="ClientNetworkError", retryable=True)
    with pytest.raises(SmsRefused) as caught:
        backend().receipts([])
    assert caught.value.retryable


# --- Both ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gateway", "code"),
    [
        ("aliyun_sms", "isv.PARAM_NOT_SUPPORT_URL"),
        ("tencent_sms", "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"),
    ],
)
def test_a_link_as_a_parameter_is_refused(request, gateway, code):
    """Both providers refuse a link (short links too) as a template's parameter: a linking template must carry the
    site's address in its approved text (README, "Text messages")."""
    fake = request.getfixturevalue(gateway)
    with pytest.raises(SmsRefused) as caught:
        send_sms(phone=PHONE, template="bill", params={**BILL, "link": "https://g.cn/s/Ab3xY9"})
    assert_refused(caught.value, words.TEMPLATE_REFUSED, code=code, retryable=False)
    assert fake.sent == []


@pytest.mark.django_db
@pytest.mark.parametrize("gateway", ["aliyun_sms", "tencent_sms"])
def test_signing_up_with_the_code_sent_through_the_gateway(request, client, gateway):
    fake = request.getfixturevalue(gateway)
    response = client.post(
        reverse("account_signup"), {"phone": "138 1234 5678", "password1": "lanterns-by-the-river-7"}
    )
    assert response["Location"] == reverse("account_verify_phone")

    [text] = fake.sent
    code = text.params["code"] if gateway == "aliyun_sms" else text.params[0]
    assert text.text == render(TEMPLATES["login_code"], {"code": code})
    response = client.post(reverse("account_verify_phone"), {"code": code})

    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(User.objects.get(phone=PHONE).pk)


# --- The texts themselves -------------------------------------------------------------------------------------


def test_render_parts_and_safe_parameters(settings):
    settings.SMS_SIGN_NAME = "共议"
    assert render(TEMPLATES["login_code"], {"code": "123456"}) == "您的验证码为123456，15分钟内有效，请勿告诉他人。"
    assert parts("字" * 66) == 1  # 【共议】 + 66 = 70: one message
    assert parts("字" * 67) == 2  # 71: two billed parts of 67
    assert parts("字" * 130) == 2  # 134
    assert parts("字" * 131) == 3  # 135
    assert param_safe("  第一行\n第二行\t\x07 ") == "第一行 第二行"
    assert param_safe("很" * 40) == "很" * 34 + "…"
    assert len(param_safe("很" * 40)) == 35


def test_registered_texts_use_each_providers_placeholders():
    bill = TEMPLATES["bill"]
    assert tencent.registered_text(bill).startswith("{1}业主您好：“{2}”已表决通过，您家应分摊{3}元。")
    assert "{" not in tencent.registered_text(TEMPLATES["no_account"])


def test_every_reason_reads_in_chinese():
    reasons = [value for value in vars(words).values() if isinstance(value, Promise)]
    assert len(reasons) >= 12
    with translation.override("zh-hans"):
        for reason in reasons:
            assert re.search(r"[\u4e00-\u9fff]", str(reason)), str(reason)
