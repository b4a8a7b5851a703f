"""`manage.py import_roster PATH --community SLUG [--name NAME]`: import a roster file, all or nothing.

Every problem is printed (in Chinese unless --language says otherwise) and the exit status is 1; on success
the summary and the roster's totals are printed.
"""

import os
import stat
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from community.importing import RosterSummary, roster_apply, roster_file_read
from community.management.arguments import community_arguments_check
from community.models import Community
from community.roster_file import Problem


def problem_line(problem: Problem) -> str:
    """ "第 5 行，「建筑面积」列：…" — the same words the web page shows."""
    reason = problem.message(_)
    if problem.row is None:
        return reason
    if not problem.column:
        return _("Row %(row)s: %(reason)s") % {"row": problem.row, "reason": reason}
    return _("Row %(row)s, column “%(column)s”: %(reason)s") % {
        "row": problem.row,
        "column": problem.column,
        "reason": reason,
    }


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def read_roster_file(path: Path) -> bytes:
    """The file's bytes, refused as the upload page would: a regular file of at most ROSTER_UPLOAD_MAX_BYTES.

    A device or a pipe (/dev/zero, /dev/stdin) would be read until memory runs out, or wait forever: it is
    refused before it is opened. Whatever is refused, nothing is read into memory and nothing is written.
    """
    limit = settings.ROSTER_UPLOAD_MAX_BYTES
    too_large = _("%(path)s is %(size)s MB; the limit is %(limit)s MB, as for an upload. Import only the roster sheet.")
    not_regular = _("%(path)s is not a regular file; give the path of a roster file.")
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise CommandError(not_regular % {"path": path})
        with path.open("rb") as file:
            status = os.fstat(file.fileno())  # the file opened, should the path have changed meanwhile
            if not stat.S_ISREG(status.st_mode):
                raise CommandError(not_regular % {"path": path})
            if status.st_size > limit:
                size = _megabytes(status.st_size)
                raise CommandError(too_large % {"path": path, "size": size, "limit": _megabytes(limit)})
            content = file.read(limit + 1)  # a file growing while it is read still stops here
    except OSError as exc:
        raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}) from exc
    if len(content) > limit:
        raise CommandError(too_large % {"path": path, "size": _megabytes(len(content)), "limit": _megabytes(limit)})
    return content


def summary_lines(summary: RosterSummary) -> list[str]:
    return [
        _(
            "Households: %(created)s new, %(updated)s updated, %(unchanged)s unchanged, "
            "%(absent)s in the roster but not in this file (kept)."
        )
        % {
            "created": summary.households_created,
            "updated": summary.households_updated,
            "unchanged": summary.households_unchanged,
            "absent": summary.households_absent,
        },
        _("Owners: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % {
            "created": summary.owners_created,
            "updated": summary.owners_updated,
            "unchanged": summary.owners_unchanged,
        },
        _("Buildings: %(total)s (%(created)s new). Entrances: %(entrances)s (%(entrances_created)s new).")
        % {
            "total": summary.buildings_total,
            "created": summary.buildings_created,
            "entrances": summary.entrances_total,
            "entrances_created": summary.entrances_created,
        },
        _("Households: %(households)s. Heads: %(heads)s. Total area: %(area)s m².")
        % {"households": summary.households_total, "heads": summary.heads, "area": summary.area},
    ]


class Command(BaseCommand):
    help = "Import a roster (.xlsx or .csv) into a community: everything or, if any row has a problem, nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the roster file, .xlsx or .csv (UTF-8, UTF-8 with BOM or GB18030)")
        parser.add_argument("--community", required=True, metavar="SLUG", help="the community's short name")
        parser.add_argument("--name", help="create the community with this name if it does not exist yet")
        parser.add_argument("--language", default="zh-hans", help="language of the output (zh-hans or en)")

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            self._import(options)

    def _import(self, options):
        community_arguments_check(slug=options["community"], name=options["name"])
        path = Path(options["path"])
        content = read_roster_file(path)
        # The file is checked before the database is touched: a bad file fails fast and changes nothing.
        roster = roster_file_read(filename=path.name, content=content)
        if not roster.ok:
            for problem in roster.problems:
                self.stderr.write(problem_line(problem))
            raise CommandError(
                _("%(count)s problem(s) found in %(file)s; nothing was imported.")
                % {"count": len(roster.problems), "file": path.name}
            )
        slug = options["community"]
        created = False
        with transaction.atomic():
            community = Community.objects.filter(slug=slug).first()
            if community is None:
                if not options["name"]:
                    raise CommandError(
                        _("There is no community “%(slug)s”. Give --name to create it.") % {"slug": slug}
                    )
                # Inside the transaction: if the import fails, no empty community is left behind.
                community = Community.objects.create(slug=slug, name=options["name"])
                created = True
            summary = roster_apply(community=community, roster=roster)
        if created:
            self.stdout.write(_("Created the community %(name)s (%(slug)s).") % {"name": community.name, "slug": slug})
        if not summary.changes_anything:
            message = _("The roster of %(name)s already matches this file; nothing changed.")
            self.stdout.write(message % {"name": community.name})
        else:
            self.stdout.write(_("Imported %(file)s into %(name)s.") % {"file": path.name, "name": community.name})
        for line in summary_lines(summary):
            self.stdout.write(line)
