"""A local fake of WeChat's web sign-in (网站应用微信登录 / 网页授权), answering the way open.weixin.qq.com and
api.weixin.qq.com do:

- /connect/qrconnect (or /connect/oauth2/authorize): the person scans and agrees; the page leads back to redirect_uri
  with a one-time code and the state, or with the state alone when `refuse_next` is set (the person said no).
- /sns/oauth2/access_token: code → access_token, openid, unionid; WeChat's errcode answers (40029 invalid code,
  40125 invalid secret) with HTTP 200, as WeChat sends them.
- /sns/userinfo: access_token + openid → nickname, headimgurl, unionid.

Answers are UTF-8 JSON labelled `text/plain` with no charset, as WeChat labels them (the reason allauth's adapter
re-decodes the nickname). `person` is who scans next.
"""

import html
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from tests.fakes import FakeServer


@dataclass
class Person:
    openid: str
    unionid: str
    nickname: str
    headimgurl: str = "https://thirdwx.qlogo.cn/mmopen/vi_32/fake/132"


class FakeWeixin(FakeServer):
    def __init__(self, app_id: str, app_secret: str, person: Person):
        super().__init__()
        self.app_id, self.app_secret, self.person = app_id, app_secret, person
        self.refuse_next = False
        self.requests: list[tuple[str, dict]] = []  # (path, parameters) of every request, in order
        self._codes: dict[str, Person] = {}
        self._tokens: dict[str, Person] = {}

    def handle(self, method, path, query, headers, body) -> tuple[int, str, bytes]:
        # allauth posts the code exchange as a form; WeChat reads its parameters from the query or the body.
        params = {**query, **dict(parse_qsl(body.decode()))} if method == "POST" else query
        self.requests.append((path, params))
        route = {
            "/connect/qrconnect": self._authorize,
            "/connect/oauth2/authorize": self._authorize,
            "/sns/oauth2/access_token": self._access_token,
            "/sns/userinfo": self._userinfo,
        }.get(path)
        if route is None:
            return 404, "text/plain", b"not found"
        return route(params)

    def _authorize(self, params: dict) -> tuple[int, str, bytes]:
        asked = (params.get("appid"), params.get("response_type"), bool(params.get("redirect_uri")))
        if asked != (self.app_id, "code", True):
            return 200, "text/html; charset=utf-8", "参数错误".encode()
        back = {"state": params.get("state", "")}
        if self.refuse_next:
            self.refuse_next = False
        else:
            code = secrets.token_hex(16)
            self._codes[code] = self.person
            back["code"] = code
        # WeChat's QR code page sends the browser back once the person has agreed on the phone: here, a link to follow.
        way_back = html.escape(f"{params['redirect_uri']}?{urlencode(back)}")
        return 200, "text/html; charset=utf-8", f'<a id="back" href="{way_back}">继续</a>'.encode()

    def _access_token(self, params: dict) -> tuple[int, str, bytes]:
        if params.get("appid") != self.app_id or params.get("secret") != self.app_secret:
            return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
        person = self._codes.pop(params.get("code", ""), None)  # a code works once
        if params.get("grant_type") != "authorization_code" or person is None:
            return self._json({"errcode": 40029, "errmsg": "invalid code"})
        token = secrets.token_hex(16)
        self._tokens[token] = person
        return self._json(
            {
                "access_token": token,
                "expires_in": 7200,
                "refresh_token": secrets.token_hex(16),
                "openid": person.openid,
                "scope": "snsapi_login",
                "unionid": person.unionid,
            }
        )

    def _userinfo(self, params: dict) -> tuple[int, str, bytes]:
        person = self._tokens.get(params.get("access_token", ""))
        if person is None or params.get("openid") != person.openid:
            return self._json({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        return self._json(
            {
                "openid": person.openid,
                "nickname": person.nickname,
                "sex": 0,
                "province": "",
                "city": "",
                "country": "CN",
                "headimgurl": person.headimgurl,
                "privilege": [],
                "unionid": person.unionid,
            }
        )

    @staticmethod
    def _json(data: dict) -> tuple[int, str, bytes]:
        return 200, "text/plain", json.dumps(data, ensure_ascii=False).encode()
