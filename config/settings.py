"""Gongyi settings: one module, read from the environment, with safe local defaults.

`GONGYI_ENV=production` turns on the production mode, which refuses to start without
SECRET_KEY, a PostgreSQL DATABASE_URL and REDIS_URL (see .env.example).
"""

import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.served import root_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


PRODUCTION = os.environ.get("GONGYI_ENV", "development").strip().lower() == "production"

if PRODUCTION:
    missing = [
        name for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BALLOT_CHAIN_KEY") if not os.environ.get(name)
    ]
    if missing:
        raise ImproperlyConfigured("GONGYI_ENV=production needs these environment variables: " + ", ".join(missing))
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("GONGYI_ENV=production needs a PostgreSQL DATABASE_URL.")

SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production-9f3b"
# The key that hashes ID numbers for matching owners. Set it once and never change it:
# a new key makes every stored hash unmatchable.
ID_HASH_KEY = os.environ.get("ID_HASH_KEY") or SECRET_KEY
# The key of the ballot log's MACs (voting/chain.py). Never in the database: whoever can write there but lacks this
# key cannot rewrite the log unseen. Rotation: the new key here, the old ones in BALLOT_CHAIN_PREVIOUS_KEYS (comma
# separated) for as long as their proposals must verify.
BALLOT_CHAIN_KEY = os.environ.get("BALLOT_CHAIN_KEY") or f"{SECRET_KEY}:ballot-chain"
BALLOT_CHAIN_PREVIOUS_KEYS = env_list("BALLOT_CHAIN_PREVIOUS_KEYS", [])
# DEBUG is on only where asked for (`make run` asks); never in production.
DEBUG = env_bool("DEBUG", default=False) and not PRODUCTION
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "huey.contrib.djhuey",
    "allauth",
    "allauth.account",
    # WeChat sign-in (allauth's Weixin provider): installed everywhere so that its tables are migrated everywhere, and
    # off until WEIXIN_APP_ID and WEIXIN_APP_SECRET are set (below; accounts.weixin).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    "rules.apps.AutodiscoverRulesConfig",
    "accounts",
    "community",
    "proposals",
    "voting",
    "consult",
    "costs",
    "meetings",
    "lifecycle",
    "messaging",
    "reports",
    "documents",
    "resolutions",
    "pages",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzip-compressed for clients that accept it (the proposal page to a third), with Django's padding
    # against BREACH; the CSRF token in a page is masked afresh in every response, so compression does not leak it.
    # Below WhiteNoise (static files go out precompressed, never through here) and above every middleware that reads
    # or writes the body, so that what it compresses is the final page.
    "config.served.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Content-Security-Policy (django-csp): scripts and styles only from our static files (no inline code, so an
# injected <script> or style= does nothing), images from here or data: URIs (QR codes), sockets to this host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "script-src": [SELF],
        "style-src": [SELF],
        "connect-src": [SELF, "ws:", "wss:"],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'gongyi.sqlite3'}")
}
# Under daphne every request runs in a thread of its own, so persistent connections (CONN_MAX_AGE) are never
# reused and pile up until PostgreSQL refuses more: production uses psycopg's pool instead (bench/ does too).
DATABASE_POOL = {"min_size": 2, "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "16"))}
if PRODUCTION:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = DATABASE_POOL
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Waiting for the write lock beats failing with "database is locked" when two requests write.
    # IMMEDIATE: a transaction takes the write lock when it begins, so two ballots never interleave.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gongyi",
            # Short enough that a frozen Redis does not hold a request long, long enough for a busy machine.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2.5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The task queue (huey; `manage.py run_huey` is its worker): closing proposals when their voting window ends,
# and the large document jobs. On Redis when REDIS_URL is set (production), else in a SQLite file beside the
# database. HUEY_IMMEDIATE runs each task in the process that enqueues it, with no worker: the test suite's default.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", default="pytest" in sys.modules)
if REDIS_URL:
    # The priority flavour, so that closing proposals overtakes document jobs waiting for a worker.
    _huey_storage = {"huey_class": "huey.PriorityRedisHuey", "url": REDIS_URL}
else:
    # Beside the SQLite database (gongyi.sqlite3-huey, gitignored), or in the project folder beside PostgreSQL.
    _sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    _beside = DATABASES["default"]["NAME"] if _sqlite else BASE_DIR / "gongyi.sqlite3"
    _huey_file = os.environ.get("HUEY_SQLITE_PATH") or f"{_beside}-huey"
    _huey_storage = {"huey_class": "huey.SqliteHuey", "filename": _huey_file}
HUEY = {
    # Tasks are queued under the database's name, so two deployments (or test databases) sharing one Redis never
    # run each other's tasks.
    "name": str(DATABASES["default"]["NAME"]),
    **_huey_storage,
    "immediate": HUEY_IMMEDIATE,
    "results": False,  # nothing reads a task's return value; the DocumentJob row is the result
    "consumer": {
        # Tasks running at once. A document job renders with DOCUMENT_WORKERS processes of its own (~300 MB in all),
        # so this also bounds the memory of document jobs running side by side.
        "workers": int(os.environ.get("HUEY_WORKERS", "2")),
        "worker_type": "thread",
    },
}
# pytest-xdist runs the suite in several processes (PYTEST_XDIST_WORKER: gw0, gw1, ...), each on a test database of its
# own but all on one Redis, where their pks overlap: each keeps its cache keys, channel-layer groups and task queue
# apart under its id. The servers and workers a test starts get the variable too (tests/system/conftest.py).
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _XDIST_WORKER:
    CACHES["default"]["KEY_PREFIX"] += f"-{_XDIST_WORKER}"
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-{_XDIST_WORKER}"
    HUEY["name"] += f"-{_XDIST_WORKER}"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Logging in with a mobile number (ACCOUNT_LOGIN_METHODS) goes through allauth's backend.
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Sessions in the database, read through the Redis cache where there is one (production). A logout during a Redis
# outage still ends the session: accounts.signals.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: log in with a mainland mobile number or a username, plus a password, or with a code by SMS.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone", "username"}
# Sign-up asks for the number, a name (templates/account/signup.html) and one password; allauth makes the username up.
ACCOUNT_SIGNUP_FIELDS = ["phone*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_RATE_LIMITS_ENABLED = True  # allauth's defaults: failed logins per user and IP, signups per IP
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_USER_DISPLAY = str  # the display name, not the generated username
ACCOUNT_LOGOUT_ON_GET = False
# Sign-in by a code texted to the number (issue 16): the login page leads with it, so an owner needs no password.
# allauth's views: /accounts/login/code/ asks for the number, /accounts/login/code/confirm/ takes the code (ours wraps
# it: accounts.views.confirm_login_code). A number without an account gets allauth's same answer and a text saying
# it has none (AccountAdapter.send_unknown_account_sms), never a code. The code is 6 digits
# (AccountAdapter.generate_phone_verification_code), valid 15 minutes as the text says, 5 tries; the limits per
# minute are allauth's "request_login_code", per hour and day ours (accounts.services.login_code_quota_take, in
# accounts.forms.RequestLoginCodeForm). A password login does not ask for a code too (LOGIN_BY_CODE_REQUIRED off).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_FORMS = {"request_login_code": "accounts.forms.RequestLoginCodeForm"}
# Text messages (accounts.sms): the gateway, the signature (签名) and the provider's code of each template (模板),
# SMS_TEMPLATE_<NAME> for each name of accounts.sms.TEMPLATES (SMS_TEMPLATE_LOGIN_CODE=SMS_123456789). The console
# backend writes texts to the log, for development only. README, "Text messages", lists each gateway's variables.
SMS_BACKEND = os.environ.get("SMS_BACKEND") or "accounts.sms.ConsoleBackend"
if PRODUCTION and SMS_BACKEND in {"accounts.sms.ConsoleBackend", "accounts.sms.LocmemBackend"}:
    # The console backend would write every login and reset code to the log; the in-memory one sends nothing.
    raise ImproperlyConfigured("GONGYI_ENV=production needs SMS_BACKEND set to a real text-message gateway.")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME") or "共议"
# What one billed message costs (¥), for the estimate a committee sees before a batch; at most this many texts a day
# to one phone (codes aside); the site's address, for the links in texts (sent by jobs, with no request to ask).
try:
    SMS_PRICE_YUAN = Decimal(os.environ.get("SMS_PRICE_YUAN") or "0.045")
    SMS_DAILY_CAP_PER_PHONE = int(os.environ.get("SMS_DAILY_CAP_PER_PHONE") or "3")
except (InvalidOperation, ValueError):
    raise ImproperlyConfigured("SMS_PRICE_YUAN must be an amount, SMS_DAILY_CAP_PER_PHONE a whole number.") from None
if not SMS_PRICE_YUAN.is_finite() or SMS_PRICE_YUAN < 0 or SMS_DAILY_CAP_PER_PHONE < 1:
    raise ImproperlyConfigured("SMS_PRICE_YUAN must not be negative, SMS_DAILY_CAP_PER_PHONE at least 1.")
SITE_URL = os.environ.get("SITE_URL") or "http://127.0.0.1:8000"
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured("GONGYI_ENV=production needs SITE_URL, the site's https:// address (links in texts).")
SMS_TEMPLATE_CODES = {
    key.removeprefix("SMS_TEMPLATE_").lower(): value
    for key, value in os.environ.items()
    if key.startswith("SMS_TEMPLATE_") and value
}
# Alibaba Cloud SMS (SMS_BACKEND=accounts.sms.aliyun.AliyunBackend): a RAM user's AccessKey with AliyunDysmsFullAccess.
ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
# The AccessKey's secret.
ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
# The API's host, or a URL with its scheme (http://127.0.0.1:8080 reaches a local fake, in tests).
ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT") or "dysmsapi.aliyuncs.com"
# Tencent Cloud SMS (SMS_BACKEND=accounts.sms.tencent.TencentBackend): a CAM user's SecretId with QcloudSMSFullAccess.
TENCENT_SMS_SECRET_ID = os.environ.get("TENCENT_SMS_SECRET_ID", "")
# The SecretId's key.
TENCENT_SMS_SECRET_KEY = os.environ.get("TENCENT_SMS_SECRET_KEY", "")
# The SMS application's SdkAppId (1400…), from the SMS console's application list.
TENCENT_SMS_SDK_APP_ID = os.environ.get("TENCENT_SMS_SDK_APP_ID", "")
# The region the API is called in (mainland texts: ap-guangzhou, ap-beijing or ap-nanjing).
TENCENT_SMS_REGION = os.environ.get("TENCENT_SMS_REGION") or "ap-guangzhou"
# The API's host, or a URL with its scheme (as ALIYUN_SMS_ENDPOINT).
TENCENT_SMS_ENDPOINT = os.environ.get("TENCENT_SMS_ENDPOINT") or "sms.tencentcloudapi.com"
# What each gateway needs before it can send; production refuses to start without it, and without a template code
# for every template (accounts.apps checks those, which accounts.sms names).
SMS_GATEWAY_SETTINGS = {
    "accounts.sms.aliyun.AliyunBackend": ("ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME"),
    "accounts.sms.tencent.TencentBackend": (
        "TENCENT_SMS_SECRET_ID",
        "TENCENT_SMS_SECRET_KEY",
        "TENCENT_SMS_SDK_APP_ID",
        "SMS_SIGN_NAME",
    ),
}
if PRODUCTION and SMS_BACKEND in SMS_GATEWAY_SETTINGS:
    missing = [name for name in SMS_GATEWAY_SETTINGS[SMS_BACKEND] if not os.environ.get(name)]
    if missing:
        raise ImproperlyConfigured(f"SMS_BACKEND={SMS_BACKEND} needs these environment variables: {', '.join(missing)}")

# WeChat sign-in (微信登录), off unless both are set: the AppID and AppSecret of a website app on WeChat's open
# platform (open.weixin.qq.com; scanning a QR code). An official account (公众号) inside WeChat's browser would set
# WEIXIN_AUTHORIZE_URL https://open.weixin.qq.com/connect/oauth2/authorize and WEIXIN_SCOPE snsapi_userinfo (untried:
# README). The app lives here, not in the database (accounts.weixin.SocialAccountAdapter reads only this one).
WEIXIN_APP_ID = os.environ.get("WEIXIN_APP_ID", "").strip()
WEIXIN_APP_SECRET = os.environ.get("WEIXIN_APP_SECRET", "").strip()
WEIXIN_AUTHORIZE_URL = os.environ.get("WEIXIN_AUTHORIZE_URL") or "https://open.weixin.qq.com/connect/qrconnect"
SOCIALACCOUNT_ADAPTER = "accounts.weixin.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "accounts.weixin.SignupForm"}
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {"AUTHORIZE_URL": WEIXIN_AUTHORIZE_URL, "SCOPE": [os.environ.get("WEIXIN_SCOPE") or "snsapi_login"]}
}
if WEIXIN_APP_ID and WEIXIN_APP_SECRET:
    SOCIALACCOUNT_PROVIDERS["weixin"]["APP"] = {"client_id": WEIXIN_APP_ID, "secret": WEIXIN_APP_SECRET}
    # The button posts to us and we redirect to WeChat: browsers hold a form's redirects to form-action too.
    _weixin = urlsplit(WEIXIN_AUTHORIZE_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_weixin.scheme}://{_weixin.netloc}")

# The client's address, which every limit counts by (accounts.throttle.client_ip, allauth's rate limits). Behind
# nginx every request comes from the proxy: TRUSTED_PROXY_COUNT=1 takes the address nginx appends to
# X-Forwarded-For (the last one; what a client put there itself is never trusted), or TRUSTED_CLIENT_IP_HEADER
# names a header the proxy overwrites (X-Real-IP). 0 and none: the connection's address (`make run`, no proxy).
try:
    ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or "0")
except ValueError:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be a whole number (proxies in front of daphne).") from None
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Collected static files: `collectstatic` copies them to STATIC_ROOT under hashed names (css/gongyi.3f2a….css) with
# a gzip copy beside each, templates link the hashed names, and WhiteNoise serves the gzip copy to phones that accept
# it with "max-age=315360000, public, immutable" (a changed file gets a new name). Production and `make run` collect
# (STATIC_COLLECTED=1, into the gitignored staticfiles/ unless STATIC_ROOT says otherwise). Elsewhere (the tests, a
# bare manage.py) WhiteNoise serves the files from the finders under their own names, uncompressed, cached 60 s:
# nothing to collect, no manifest needed.
STATIC_COLLECTED = PRODUCTION or env_bool("STATIC_COLLECTED", default=False)
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles") if STATIC_COLLECTED else None
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
# Files served at the site's root: /favicon.ico (browsers and WeChat ask for it whatever the page links), cached a
# week by config.served.root_file_headers. The same file is also a static file, root/favicon.ico, which base.html
# links under its hashed name.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
WHITENOISE_ADD_HEADERS_FUNCTION = root_file_headers
# Uploads: a roster of 50,000 rows is a few MB; anything far larger is a mistake.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ROSTER_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Rows a roster file may have (header included): the largest communities have 50,000 households.
ROSTER_MAX_ROWS = int(os.environ.get("ROSTER_MAX_ROWS", "100000"))
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # images and PDFs attached to proposals, ballots and opinions

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
JOIN_CODE_DAYS = int(os.environ.get("JOIN_CODE_DAYS", "60"))

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "redis_outage": {"()": "config.log_filters.RedisOutageFilter"},
        "one_line_refusal": {"()": "config.log_filters.OneLineRefusalFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redis_outage", "one_line_refusal"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # On the logger too, so every handler (a file, Sentry, pytest's caplog) gets the 403 without its traceback.
        "django.request": {"filters": ["one_line_refusal"]},
        # WeasyPrint's font subsetting logs every glyph list of every PDF at INFO.
        "fontTools": {"level": "WARNING"},
        # The task queue's worker logs through the same handler (run_huey adds its own only to a bare logger).
        "huey": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
    },
}
TALLY_PUSH_INTERVAL = float(os.environ.get("TALLY_PUSH_INTERVAL", "0.25"))  # seconds between pushes in a burst
# Seconds between checks for tally changes whose message was lost (Redis down or restarting); 0 turns them off.
TALLY_RESYNC_INTERVAL = float(os.environ.get("TALLY_RESYNC_INTERVAL", "5"))
