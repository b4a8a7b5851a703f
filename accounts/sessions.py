"""Django's database sessions, with the one read every request makes compiled once per process.

SESSION_ENGINE points here. Reading a session through the ORM cost a millisecond of Python per request, more than
PostgreSQL took to answer (bench/bench_vote.py); everything else is Django's own database backend.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.precompiled import Precompiled

_SESSION = Precompiled(lambda key: Session.objects.filter(session_key=key), arguments=1)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = next(iter(_SESSION.objects(self.session_key)), None) if self.session_key else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
