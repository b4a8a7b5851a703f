"""Fixtures that start a provider's fake, register Gongyi's signature and every template of accounts.sms.TEMPLATES
with it as the README tells an operator to (word for word, the provider's placeholders), point the settings at it
and stop it afterwards. A test module takes them with `pytest_plugins = ["tests.fakes.fixtures"]`."""

import pytest

from accounts.sms import TEMPLATES, aliyun, tencent
from tests.fakes.aliyun_sms import FakeAliyunSms
from tests.fakes.tencent_sms import FakeTencentSms

SIGN_NAME = "共议测试"


@pytest.fixture
def aliyun_sms(settings):
    codes = {name: f"SMS_{465320000 + number}" for number, name in enumerate(TEMPLATES)}
    fake = FakeAliyunSms(
        access_key_id="LTAI5tFakeKeyForTests",
        sign_names={SIGN_NAME},
        templates={codes[name]: aliyun.registered_text(template) for name, template in TEMPLATES.items()},
    )
    fake.start()
    settings.SMS_BACKEND = "accounts.sms.aliyun.AliyunBackend"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = fake.access_key_id
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "fake-secret"
    settings.ALIYUN_SMS_ENDPOINT = fake.url
    settings.SMS_SIGN_NAME = SIGN_NAME
    settings.SMS_TEMPLATE_CODES = codes
    yield fake
    fake.stop()


@pytest.fixture
def tencent_sms(settings):
    codes = {name: str(2160000 + number) for number, name in enumerate(TEMPLATES)}
    fake = FakeTencentSms(
        secret_id="AKIDFakeSecretIdForTests",
        sdk_app_id="1400812345",
        sign_names={SIGN_NAME},
        templates={
            codes[name]: (template.kind, tencent.registered_text(template)) for name, template in TEMPLATES.items()
        },
    )
    fake.start()
    settings.SMS_BACKEND = "accounts.sms.tencent.TencentBackend"
    settings.TENCENT_SMS_SECRET_ID = fake.secret_id
    settings.TENCENT_SMS_SECRET_KEY = "fake-secret-key"
    settings.TENCENT_SMS_SDK_APP_ID = fake.sdk_app_id
    settings.TENCENT_SMS_REGION = "ap-guangzhou"
    settings.TENCENT_SMS_ENDPOINT = fake.url
    settings.SMS_SIGN_NAME = SIGN_NAME
    settings.SMS_TEMPLATE_CODES = codes
    yield fake
    fake.stop()
