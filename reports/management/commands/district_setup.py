"""`manage.py district_setup`: a district (街道), its departments, its communities and its accounts in one go, e.g.
`district_setup --district 马街街道 --slug majie --departments 城管,住建 --community qingshan --staff li-jiedao
--member 城管=13600000051` (an account by its username or its mobile number, typed any way: 136 0000 0051, +86…).
Run again to add more: nothing doubles, nothing is removed."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from community.models import Community
from reports.services import district_setup


class Command(BaseCommand):
    help = "Set up a district (街道): its departments, the communities in it, its staff and the departments' members."

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True, help="its name, e.g. 马街街道")
        parser.add_argument("--slug", required=True, help="its short name in addresses, e.g. majie")
        parser.add_argument("--departments", default="", help="comma-separated, e.g. 城管,住建,供电")
        parser.add_argument("--community", nargs="*", default=[], help="slugs of the communities in the district")
        parser.add_argument("--staff", nargs="*", default=[], help="usernames or mobile numbers of its staff")
        parser.add_argument(
            "--member", nargs="*", default=[], help="DEPARTMENT=USER: a department's member, e.g. 城管=13600000051"
        )

    def handle(self, *args, district, slug, departments, community, staff, member, **options):
        communities = list(Community.objects.filter(slug__in=community))
        missing = set(community) - {c.slug for c in communities}
        if missing:
            raise CommandError(f"No community with the slug {', '.join(sorted(missing))}; nothing was changed.")
        members = []
        for pair in member:
            department, sep, login = pair.partition("=")
            if not sep or not department.strip() or not login.strip():
                raise CommandError(f"--member takes DEPARTMENT=USER, not {pair!r}; nothing was changed.")
            members.append((department, login))
        try:
            result = district_setup(
                name=district,
                slug=slug,
                departments=[d for d in departments.replace("，", ",").split(",")],
                communities=communities,
                staff=staff,
                members=members,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages) + " Nothing was changed.") from None
        names = "、".join(result.departments.values_list("name", flat=True)) or "-"
        self.stdout.write(f"{result.name} ({result.slug}): departments {names}; communities {len(communities)}.")
