"""A logout ends the session even while Redis is down.

With cached_db sessions a logout deletes the session's row and its cache entry. When the cache cannot be reached
the entry survives the outage, and once Redis is back it would sign the old cookie in again. So the cache entry is
removed first, and where that fails the user's session generation is raised: every session signed in before (the
stale cache entry included) then carries a hash that no longer matches, and Django signs it out on its next request.
The price, only during an outage: a logout signs the user out on their other devices too.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.core.cache import caches
from django.db.models import F
from django.dispatch import receiver

logger = logging.getLogger("gongyi.accounts")


@receiver(user_logged_out, dispatch_uid="accounts.end_session_during_cache_outage")
def end_session_during_cache_outage(sender, request, user, **kwargs) -> None:
    """Runs before Django flushes the session (django.contrib.auth.logout sends the signal first)."""
    session = getattr(request, "session", None)
    cache_key_prefix = getattr(session, "cache_key_prefix", None)  # only cache-backed session stores have one
    if user is None or session is None or cache_key_prefix is None or not session.session_key:
        return
    cache = caches[settings.SESSION_CACHE_ALIAS]
    delete = getattr(cache, "delete_strict", cache.delete)
    try:
        delete(cache_key_prefix + session.session_key)
    except Exception:
        logger.warning("Session cache unreachable at logout; ending every session of user %s", user.pk)
        get_user_model().objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
