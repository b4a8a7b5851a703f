"""Production refuses to start with a text-message gateway that lacks its keys, its signature or a template code."""

import pytest

from accounts.sms import TEMPLATES
from tests.config.test_settings import GOOD, run_manage

CODES = {f"SMS_TEMPLATE_{name.upper()}": f"SMS_{465320000 + n}" for n, name in enumerate(TEMPLATES)}
GATEWAYS = {
    "accounts.sms.aliyun.AliyunBackend": {
        "ALIYUN_SMS_ACCESS_KEY_ID": "LTAI5tExample",
        "ALIYUN_SMS_ACCESS_KEY_SECRET": "example-secret",
    },
    "accounts.sms.tencent.TencentBackend": {
        "TENCENT_SMS_SECRET_ID": "AKIDExample",
        "TENCENT_SMS_SECRET_KEY": "example-key",
        "TENCENT_SMS_SDK_APP_ID": "1400812345",
    },
}


def production(backend: str, **changes: str) -> dict[str, str]:
    env = {**GOOD, "SMS_BACKEND": backend, "SMS_SIGN_NAME": "共议", **GATEWAYS[backend], **CODES, **changes}
    return {name: value for name, value in env.items() if value is not None}


@pytest.mark.parametrize(
    ("backend", "missing"),
    [(backend, name) for backend, keys in GATEWAYS.items() for name in [*keys, "SMS_SIGN_NAME"]],
)
def test_production_refuses_a_gateway_without(backend, missing):
    result = run_manage("check", env=production(backend, **{missing: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize("backend", GATEWAYS)
def test_production_refuses_a_gateway_without_a_template_code(backend):
    result = run_manage("check", env=production(backend, SMS_TEMPLATE_REMINDER=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SMS_TEMPLATE_REMINDER" in result.stderr
    assert "SMS_TEMPLATE_LOGIN_CODE" not in result.stderr


@pytest.mark.parametrize("backend", GATEWAYS)
def test_production_starts_with_a_gateway_fully_configured(backend):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production(backend))
    assert result.returncode == 0, result.stdout + result.stderr
