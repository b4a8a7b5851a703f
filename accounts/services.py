"""Password reset by SMS (allauth resets by e-mail only): a 6-digit code, kept only as a hash; and the hourly and
daily limits on sign-in codes (allauth's login by code sends them).

The behaviour is the same whether or not the number has an account, so the pages cannot be used
to find out who is registered.
"""

import secrets
import time

from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.sms import send_sms
from accounts.throttle import Limit

RESET_CODE_SECONDS = 15 * 60
RESET_MAX_WRONG = 5
# Requests for a code: a few per number (each costs an SMS and annoys its owner), more per address
# (a family or an office shares one).
RESET_SENDS_PER_PHONE = Limit("pwreset-phone", max_hits=3, window=15 * 60)
RESET_SENDS_PER_IP = Limit("pwreset-ip", max_hits=10, window=60 * 60)
# Wrong codes per number and day, over every code sent: each code allows RESET_MAX_WRONG guesses and a new one can
# be asked for every few minutes, so without this cap a guesser would get thousands of tries a day.
RESET_WRONG_PER_PHONE = Limit("pwreset-wrong-phone", max_hits=10, window=24 * 60 * 60)


def _code_key(phone: str) -> str:
    return f"pwreset:code:{_digest(phone, '')}"


def _wrong_key(phone: str) -> str:
    return f"pwreset:wrong:{_digest(phone, '')}"


def _digest(phone: str, code: str) -> str:
    return salted_hmac("gongyi.password_reset", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _too_many_today() -> str:
    return _("The code for this number was entered wrongly too many times today. Please try again tomorrow.")


def password_reset_code_send(*, phone: str, ip: str) -> None:
    """Text a reset code to `phone` (normalised) if an active account has it; otherwise do the same, silently.

    Raises ValidationError(code="rate_limited") when this number or this address asked too often.
    """
    if RESET_WRONG_PER_PHONE.exceeded(phone):
        raise ValidationError(_too_many_today(), code="rate_limited")
    if RESET_SENDS_PER_PHONE.exceeded(phone) or RESET_SENDS_PER_IP.exceeded(ip):
        raise ValidationError(
            _("Too many codes were requested. Please wait 15 minutes and try again."), code="rate_limited"
        )
    RESET_SENDS_PER_PHONE.hit(phone)
    RESET_SENDS_PER_IP.hit(ip)
    code = f"{secrets.randbelow(10**6):06d}"
    # A number without an account gets a code too, one nobody receives: a wrong guess then looks
    # exactly like a wrong guess for a registered number.
    cache.set(_code_key(phone), {"hash": _digest(phone, code), "expires": time.time() + RESET_CODE_SECONDS})
    cache.delete(_wrong_key(phone))
    user = get_user_model().objects.filter(phone=phone, is_active=True).first()
    if user is not None:
        send_sms(phone=phone, template="reset_code", params={"code": code})


def password_reset_complete(*, phone: str, code: str, password: str):
    """Check `code` for `phone` and set the account's password; returns the user.

    Raises ValidationError with code "expired" (no code, or too old), "too_many_attempts" (the 5th
    wrong code, or the day's RESET_WRONG_PER_PHONE; the code is then dropped), "wrong_code", or the password
    validators' errors (the code stays valid so the person can choose another password).
    """
    entry = cache.get(_code_key(phone))
    if entry is None or entry["expires"] <= time.time():
        raise ValidationError(_("This code has expired. Ask for a new one."), code="expired")
    if RESET_WRONG_PER_PHONE.exceeded(phone):
        cache.delete_many([_code_key(phone), _wrong_key(phone)])
        raise ValidationError(_too_many_today(), code="too_many_attempts")
    user = get_user_model().objects.filter(phone=phone, is_active=True).first()
    if user is None or not constant_time_compare(entry["hash"], _digest(phone, code.strip())):
        RESET_WRONG_PER_PHONE.hit(phone)
        cache.add(_wrong_key(phone), 0, timeout=RESET_CODE_SECONDS)
        try:
            wrong = cache.incr(_wrong_key(phone))
        except ValueError:
            wrong = RESET_MAX_WRONG
        if wrong >= RESET_MAX_WRONG:
            cache.delete_many([_code_key(phone), _wrong_key(phone)])
            raise ValidationError(
                _("The code was entered wrongly too many times. Ask for a new one."), code="too_many_attempts"
            )
        raise ValidationError(_("This code is not right. Check the text message and try again."), code="wrong_code")
    password_validation.validate_password(password, user)
    user.set_password(password)
    # Receiving the code proves the number is theirs.
    user.phone_verified = True
    user.save(update_fields=["password", "phone_verified"])
    cache.delete_many([_code_key(phone), _wrong_key(phone)])
    return user


# Sign-in codes (allauth's login by code). allauth's own "request_login_code" limit counts per minute: 3 a number
# (its key is the number as the form cleaned it, 11 digits) and 20 an address. These add the hour and the day: each
# code is a text paid for and a phone buzzing, and each allows ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS guesses, so a
# number gets at most 10 × 5 guesses a day at a 6-digit code. An address is shared by a family or a whole estate's
# mobile network, hence more there.
LOGIN_CODES_PER_PHONE_HOUR = Limit("logincode-phone-hour", max_hits=5, window=60 * 60)
LOGIN_CODES_PER_PHONE_DAY = Limit("logincode-phone-day", max_hits=10, window=24 * 60 * 60)
LOGIN_CODES_PER_IP_HOUR = Limit("logincode-ip-hour", max_hits=20, window=60 * 60)


def login_code_quota_take(*, phone: str, ip: str) -> None:
    """Count one sign-in code for `phone` (normalised) asked from `ip`, whether or not the number has an account.

    Raises ValidationError(code="rate_limited") and counts nothing when the number or the address is over a limit.
    """
    if LOGIN_CODES_PER_PHONE_DAY.exceeded(phone):
        raise ValidationError(
            _(
                "Too many codes were sent to this number today. Please try again tomorrow, or log in with your "
                "password."
            ),
            code="rate_limited",
        )
    if LOGIN_CODES_PER_PHONE_HOUR.exceeded(phone):
        raise ValidationError(
            _("Too many codes were sent to this number in the last hour. Please try again later."), code="rate_limited"
        )
    if LOGIN_CODES_PER_IP_HOUR.exceeded(ip):
        raise ValidationError(
            _("Too many codes were asked for from this network. Please try again in an hour."), code="rate_limited"
        )
    LOGIN_CODES_PER_PHONE_DAY.hit(phone)
    LOGIN_CODES_PER_PHONE_HOUR.hit(phone)
    LOGIN_CODES_PER_IP_HOUR.hit(ip)
