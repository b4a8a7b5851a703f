"""allauth's own Chinese strings, said the way people say them: our catalogue (parts/accounts.po) comes first."""

from django.utils import translation
from django.utils.translation import gettext


def test_allauths_awkward_chinese_is_overridden():
    with translation.override("zh-hans"):
        assert gettext("Incorrect code.") == "验证码不对，请核对短信里的6位数字。"  # was 错误代码。
        assert gettext("Successfully signed in as %(name)s.") % {"name": "刘淑芬"} == "刘淑芬，您已登录。"
        for what in ("phone number", "email address", "username"):
            said = gettext(f"The {what} and/or password you specified are not correct.")
            assert "和/或" not in said and said.endswith("或密码不正确。"), said
