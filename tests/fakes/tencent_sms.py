"""A local fake of Tencent Cloud SMS (sms 2021-01-11) as its SDK speaks to it: a JSON POST with the action in the
X-TC-Action header and a TC3-HMAC-SHA256 Authorization header (the fake checks the SecretId, not the signature),
answers {"Response": {...}} with an Error for a refused request.

SendSms checks what the provider checks — the SdkAppId, the approved signature and template, the number of
parameters (numbered {1}, {2}… in the registered text), a link or a long code in a parameter, the number, the
package's balance — and keeps what was sent; answers can be scripted (`answer_next`; `break_next` for any action);
PullSmsSendStatus hands out, once each, the reports the test made (`deliver`, `fail`).
"""

import itertools
import json
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

from tests.fakes import FakeServer, as_json

MOBILE = re.compile(r"^\+861[3-9]\d{9}$")
VARIABLE = re.compile(r"\{(\d+)\}")
# A link in any form: a scheme, www., or a host name followed by a path (g.cn/s/x).
LINK = re.compile(r"https?://|www\.|[a-z0-9-]+(\.[a-z0-9-]+)+/", re.IGNORECASE)


@dataclass
class Text:
    serial_no: str
    phone: str  # +86…
    sign_name: str
    template_id: str
    params: list[str]
    session_context: str
    text: str  # as the phone shows it, without the signature
    fee: int


@dataclass
class FakeTencentSms(FakeServer):
    secret_id: str = "AKID-fake"
    sdk_app_id: str = "1400000000"
    sign_names: set[str] = field(default_factory=set)
    templates: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (kind "code"|"notice", text {1}…)
    balance: int | None = None  # texts the package can still pay for; None: unlimited

    def __post_init__(self):
        super().__init__()
        self.sent: list[Text] = []
        self.calls: list[tuple[str, dict, dict]] = []  # (action, body, headers) of every request
        self._next: deque[tuple[int, dict, str]] = deque()
        self._breaks: list[tuple[int, int, bytes]] = []
        self._reports: deque[dict] = deque()
        self._ids = itertools.count(1)

    # --- what a test does ------------------------------------------------------------------------------------

    def answer_next(self, code: str, message: str = "", *, whole_request: bool = False) -> None:
        """The next SendSms answers this code: for the number (SendStatusSet), or for the whole request (Error)."""
        self._next.append((200, {"Code": code, "Message": message or code}, "request" if whole_request else "number"))

    def break_next(self, status: int = 502, body: bytes = b"<html>502 Bad Gateway</html>", *, after: int = 0) -> None:
        """A request of any action fails with HTTP `status` (the SDK's ServerNetworkError), after `after` more
        requests were answered."""
        self._breaks.append((after, status, body))

    def deliver(self, serial_no: str) -> None:
        self._report(serial_no, "SUCCESS", "用户接收成功")

    def fail(self, serial_no: str, description: str = "用户关机") -> None:
        self._report(serial_no, "FAIL", description)

    def _report(self, serial_no: str, status: str, description: str) -> None:
        with self.lock:
            text = next(t for t in self.sent if t.serial_no == serial_no)
            self._reports.append(
                {
                    "UserReceiveTime": int(time.time()),
                    "CountryCode": "86",
                    "SubscriberNumber": text.phone.removeprefix("+86"),
                    "PhoneNumber": text.phone,
                    "SerialNo": serial_no,
                    "ReportStatus": status,
                    "Description": description,
                    "SessionContext": text.session_context,
                }
            )

    # --- the wire ---------------------------------------------------------------------------------------------

    def handle(self, method, path, query, headers, body):
        action = headers.get("X-TC-Action", "")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return self._error("FailedOperation.JsonParseFail", "请求包解析失败")
        self.calls.append((action, params, dict(headers)))
        authorization = headers.get("Authorization") or ""
        if not authorization.startswith("TC3-HMAC-SHA256 "):
            return self._error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if f"Credential={self.secret_id}/" not in authorization:
            return self._error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        if headers.get("X-TC-Version") != "2021-01-11":
            return self._error("InvalidAction", f"The version {headers.get('X-TC-Version')} is not supported.")
        if self._breaks:
            after, status, body = self._breaks.pop(0)
            if after == 0:
                return status, "text/html", body
            self._breaks.insert(0, (after - 1, status, body))
        if action == "SendSms":
            return self._send(params)
        if action == "PullSmsSendStatus":
            return self._pull(params)
        return self._error("InvalidAction", f"The action {action} is not found.")

    def _send(self, params: dict):
        if self._next:
            _status, answer, level = self._next.popleft()
            if level == "request":
                return self._error(answer["Code"], answer["Message"])
            return self._statuses(params, answer["Code"], answer["Message"])
        if params.get("SmsSdkAppId") != self.sdk_app_id:
            return self._error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId不存在")
        if params.get("SignName") not in self.sign_names:
            return self._error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误")
        registered = self.templates.get(params.get("TemplateId", ""))
        if registered is None:
            return self._error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
        kind, text = registered
        values = params.get("TemplateParamSet") or []
        if len(values) != len(set(VARIABLE.findall(text))) or not all(isinstance(v, str) for v in values):
            return self._error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "参数个数与模板不匹配")
        if any(LINK.search(v) for v in values):
            return self._error("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", "禁止在模板变量中使用URL")
        if kind == "code" and not all(re.fullmatch(r"\d{1,6}", v) for v in values):
            return self._error("InvalidParameterValue.TemplateParameterFormatError", "验证码模板参数格式错误")
        phones = params.get("PhoneNumberSet") or []
        if not phones:
            return self._error("MissingParameter.EmptyPhoneNumberSet", "号码列表为空")
        if not MOBILE.match(phones[0]):
            return self._statuses(params, "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
        if self.balance is not None:
            if self.balance <= 0:
                return self._statuses(params, "FailedOperation.InsufficientBalanceInSmsPackage", "套餐包余量不足")
            self.balance -= 1
        shown = VARIABLE.sub(lambda m: values[int(m.group(1)) - 1], text)
        signed = f"【{params['SignName']}】{shown}"
        sent = Text(
            serial_no=f"2433:{next(self._ids):020d}",
            phone=phones[0],
            sign_name=params["SignName"],
            template_id=params["TemplateId"],
            params=values,
            session_context=params.get("SessionContext", ""),
            text=shown,
            fee=1 if len(signed) <= 70 else -(-len(signed) // 67),
        )
        self.sent.append(sent)
        answer = {
            "SerialNo": sent.serial_no,
            "PhoneNumber": sent.phone,
            "Fee": sent.fee,
            "SessionContext": sent.session_context,
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        return as_json(200, {"Response": {"SendStatusSet": [answer], "RequestId": _request_id()}})

    def _statuses(self, params: dict, code: str, message: str):
        """A refusal for the number: HTTP 200, a SendStatusSet entry with the code and no serial number."""
        phone = (params.get("PhoneNumberSet") or [""])[0]
        answer = {
            "SerialNo": "",
            "PhoneNumber": phone,
            "Fee": 0,
            "SessionContext": params.get("SessionContext", ""),
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }
        return as_json(200, {"Response": {"SendStatusSet": [answer], "RequestId": _request_id()}})

    def _pull(self, params: dict):
        if params.get("SmsSdkAppId") != self.sdk_app_id:
            return self._error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId不存在")
        limit = int(params.get("Limit") or 0)
        if not 1 <= limit <= 100:
            return self._error("InvalidParameterValue.LimitVerifyFail", "Limit 校验失败")
        pulled = [self._reports.popleft() for _ in range(min(limit, len(self._reports)))]
        return as_json(200, {"Response": {"PullSmsSendStatusSet": pulled, "RequestId": _request_id()}})

    def _error(self, code: str, message: str):
        # The SDK reads an Error only from an answer whose Content-Type is exactly application/json.
        return as_json(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": _request_id()}})


def _request_id() -> str:
    return str(uuid.uuid4())
