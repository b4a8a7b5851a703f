"""`manage.py load_demo`: the demo communities, accounts and stories (idempotent; `make run` calls it every time)."""

import contextlib
import logging
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from community.demo import ADMINISTRATOR, DEMO_LOGIN_URL, DEMO_PASSWORD, HOUSEHOLD_MEMBER, demo_load
from community.models import Community, Role
from demo.guide import guide_lines, meeting_guide_lines, report_guide_lines
from demo.meeting_stories import meeting_stories_load
from demo.report_stories import report_stories_load
from demo.stories import EXTRA_ROLES, stories_load


def _width(text: str) -> int:
    # Chinese characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[list[str]]) -> str:
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


@contextlib.contextmanager
def _quiet(name: str, level: int = logging.WARNING):
    """The services log every join code and binding they write: worth keeping on a server, noise around the guide."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


class Command(BaseCommand):
    help = (
        "Load the demo communities (橡胶园小区, 山水名城小区), the demo accounts and the proposals of the article's"
        " stories; running it again changes nothing."
    )

    def handle(self, *args, **options):
        result = demo_load()
        # The console's texts of the demo's stories (hundreds of lines) too: the batch pages show them.
        with _quiet("gongyi"), _quiet("gongyi.sms", logging.ERROR):
            stories = stories_load()
            meetings = meeting_stories_load()
            reports = report_stories_load()
        with translation.override(settings.LANGUAGE_CODE):
            names = dict(Community.objects.values_list("slug", "name"))
            rows = [[_("username"), _("password"), _("role"), _("community")]]
            for account in result.accounts:
                extra = tuple((slug, kind, "") for username, slug, kind in EXTRA_ROLES if username == account.username)
                places = (account.places + extra) or ((None, ADMINISTRATOR, ""),)
                for index, (slug, kind, flat) in enumerate(places):
                    if kind == HOUSEHOLD_MEMBER:
                        role = _("household member %(flat)s") % {"flat": flat}
                    elif kind == ADMINISTRATOR:
                        role = _("site administrator")
                    else:
                        role = str(Role.Kind(kind).label)
                    first = index == 0
                    rows.append(
                        [account.username if first else "", DEMO_PASSWORD if first else "", role, names.get(slug, "")]
                    )
            if result.communities_created or result.accounts_created or result.grants_created:
                self.stdout.write(
                    _("Demo data loaded: %(communities)s, %(households)d households, %(accounts)d accounts.")
                    % {
                        "communities": "、".join(result.communities_created) or "—",
                        "households": result.households_created,
                        "accounts": len(result.accounts_created),
                    }
                )
            else:
                self.stdout.write(_("Demo data already loaded."))
            self.stdout.write("")
            self.stdout.write(format_table(rows))
            self.stdout.write("")
            self.stdout.write(_("Log in at %(url)s") % {"url": DEMO_LOGIN_URL})
            added = [s.proposal.title for s in stories.created] + [m.meeting.title for m in meetings if m.created]
            if added:
                self.stdout.write(_("Demo stories added: %(titles)s.") % {"titles": "、".join(added)})
            self.stdout.write("")
            for line in guide_lines(stories) + meeting_guide_lines(meetings) + report_guide_lines(reports):
                self.stdout.write(line)
