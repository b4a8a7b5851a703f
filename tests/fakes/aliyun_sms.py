"""A local fake of Alibaba Cloud SMS (dysmsapi 2017-05-25) as its SDK speaks to it: RPC calls (the action in the
x-acs-action header, or Action in the query), parameters in the query or a form body, a signed request (the
Authorization header, or a Signature parameter; the fake checks the AccessKey id, not the signature), JSON answers.

SendSms checks what the provider checks — the number, the approved signature, the approved template and its named
parameters (a missing one, a link, one too long) and the account's balance — and keeps what was sent; answers can
be scripted (`answer_next`, `break_next`); QuerySendDetails reports each message waiting until the test says it
was delivered or failed (`deliver`, `fail`).
"""

import itertools
import json
import re
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from tests.fakes import FakeServer, as_json

BEIJING = ZoneInfo("Asia/Shanghai")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
VARIABLE = re.compile(r"\$\{(\w+)\}")
# A link in any form: a scheme, www., or a host name followed by a path (g.cn/s/x).
LINK = re.compile(r"https?://|www\.|[a-z0-9-]+(\.[a-z0-9-]+)+/", re.IGNORECASE)
PARAM_LIMIT = 35


@dataclass
class Text:
    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str
    text: str  # as the phone shows it, without the signature
    sent_at: datetime
    status: int = 1  # QuerySendDetails' SendStatus: 1 waiting, 2 failed, 3 delivered
    err_code: str = ""
    received_at: datetime | None = None


@dataclass
class FakeAliyunSms(FakeServer):
    access_key_id: str = "LTAI-fake-key"
    sign_names: set[str] = field(default_factory=set)
    templates: dict[str, str] = field(default_factory=dict)  # code → registered text with ${name} variables
    balance: int | None = None  # texts the account can still pay for; None: unlimited
    # The provider's own clock (Beijing time): a test whose sending runs at a chosen moment sets it to the same one,
    # or near midnight the provider's date of a text and ours would differ.
    clock: Callable[[], datetime] | None = None

    def __post_init__(self):
        super().__init__()
        self.sent: list[Text] = []
        self.calls: list[tuple[str, dict]] = []  # (action, parameters) of every request
        self._next: deque[tuple[int, dict | bytes]] = deque()
        self._ids = itertools.count(900619746936498440)

    def _now(self) -> datetime:
        return self.clock() if self.clock is not None else datetime.now(BEIJING)

    # --- what a test does ------------------------------------------------------------------------------------

    def answer_next(self, code: str, message: str = "", status: int = 200) -> None:
        """The next request gets this answer (an isv.* code comes with HTTP 200; Throttling.* with 400)."""
        self._next.append((status, {"Code": code, "Message": message or code}))

    def break_next(self, status: int = 500, body: bytes | None = None) -> None:
        """The next request fails as a server does: HTTP `status` with a JSON error, or with `body` as it is."""
        self._next.append((status, body if body is not None else {"Code": "ServiceUnavailable", "Message": "…"}))

    def deliver(self, biz_id: str) -> None:
        self._report(biz_id, status=3, err_code="DELIVERED")

    def fail(self, biz_id: str, err_code: str = "MK:0001") -> None:
        self._report(biz_id, status=2, err_code=err_code)

    def _report(self, biz_id: str, *, status: int, err_code: str) -> None:
        with self.lock:
            text = next(t for t in self.sent if t.biz_id == biz_id)
            text.status, text.err_code, text.received_at = status, err_code, self._now()

    # --- the wire ---------------------------------------------------------------------------------------------

    def handle(self, method, path, query, headers, body):
        params = dict(query)
        if body and "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
            params.update(parse_qsl(body.decode()))
        action = headers.get("x-acs-action") or params.get("Action", "")
        self.calls.append((action, params))
        authorization = headers.get("Authorization") or ""
        key_id = params.get("AccessKeyId") or _credential(authorization)
        if not (authorization.startswith("ACS3-") or params.get("Signature")):
            return self._error(400, "IncompleteSignature", "The request signature is missing.")
        if key_id != self.access_key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if self._next:
            status, answer = self._next.popleft()
            if isinstance(answer, bytes):
                return status, "text/html", answer
            return as_json(status, {**answer, "RequestId": _request_id()})
        if action == "SendSms":
            return self._send(params)
        if action == "QuerySendDetails":
            return self._details(params)
        return self._error(404, "InvalidAction.NotFound", f"Specified api is not found: {action}")

    def _send(self, params: dict) -> tuple[int, str, bytes]:
        phone = params.get("PhoneNumbers", "")
        if not MOBILE.match(phone):
            return self._refuse("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") not in self.sign_names:
            return self._refuse("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        registered = self.templates.get(params.get("TemplateCode", ""))
        if registered is None:
            return self._refuse("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(params["TemplateParam"]) if params.get("TemplateParam") else {}
        except ValueError:
            return self._refuse("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return self._refuse("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        names = VARIABLE.findall(registered)
        if any(name not in values for name in names):
            return self._refuse("isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值")
        if any(LINK.search(values[name]) for name in names):
            return self._refuse("isv.PARAM_NOT_SUPPORT_URL", "不支持url为变量")
        if any(len(values[name]) > PARAM_LIMIT for name in names):
            return self._refuse("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        if self.balance is not None:
            if self.balance <= 0:
                return self._refuse("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
            self.balance -= 1
        text = Text(
            biz_id=f"{next(self._ids)}^0",
            phone=phone,
            sign_name=params["SignName"],
            template_code=params["TemplateCode"],
            params=values,
            out_id=params.get("OutId", ""),
            text=VARIABLE.sub(lambda m: values[m.group(1)], registered),
            sent_at=self._now(),
        )
        self.sent.append(text)
        return as_json(200, {"Code": "OK", "Message": "OK", "BizId": text.biz_id, "RequestId": _request_id()})

    def _details(self, params: dict) -> tuple[int, str, bytes]:
        for required in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not params.get(required):
                return self._error(400, f"MissingParameter.{required}", f"{required} is mandatory for this action.")
        if not re.fullmatch(r"\d{8}", params["SendDate"]):
            return self._refuse("isv.INVALID_PARAMETERS", "参数格式错误")
        matching = [
            t
            for t in self.sent
            if t.phone == params["PhoneNumber"]
            and t.sent_at.strftime("%Y%m%d") == params["SendDate"]
            and params.get("BizId") in (None, t.biz_id)
        ]
        size, page = int(params["PageSize"]), int(params["CurrentPage"])
        shown = matching[(page - 1) * size : page * size]
        details = [
            {
                "PhoneNum": t.phone,
                "SendStatus": t.status,
                "ErrCode": t.err_code,
                "TemplateCode": t.template_code,
                "Content": f"【{t.sign_name}】{t.text}",
                "SendDate": t.sent_at.strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": t.received_at.strftime("%Y-%m-%d %H:%M:%S") if t.received_at else "",
                "OutId": t.out_id,
            }
            for t in shown
        ]
        return as_json(
            200,
            {
                "Code": "OK",
                "Message": "OK",
                "RequestId": _request_id(),
                "TotalCount": len(matching),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
            },
        )

    def _refuse(self, code: str, message: str) -> tuple[int, str, bytes]:
        # The business refusals come with HTTP 200 and the code in the body.
        return as_json(200, {"Code": code, "Message": message, "RequestId": _request_id()})

    def _error(self, status: int, code: str, message: str) -> tuple[int, str, bytes]:
        return as_json(status, {"Code": code, "Message": message, "RequestId": _request_id()})


def _credential(authorization: str) -> str:
    """The AccessKey id of an ACS3 Authorization header: "ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=…"."""
    found = re.search(r"Credential=([^,\s]+)", authorization)
    return found.group(1) if found else ""


def _request_id() -> str:
    return str(uuid.uuid4()).upper()
