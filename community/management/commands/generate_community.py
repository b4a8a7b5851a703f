"""`manage.py generate_community`: a large community (世纪城西区 scale) for scale work, in bulk inserts."""

import time

from django.core.management.base import BaseCommand, CommandError

from community.demo import CommunityExists, community_generate
from community.management.arguments import community_arguments_check
from community.selectors import community_totals

# Twice the largest community a committee runs (世纪城 is 30,000): more is a typo that would fill the disk.
MAX_HOUSEHOLDS = 100_000


class Command(BaseCommand):
    help = "Generate a large community of high-rise buildings (default: 世纪城西区, 30,000 households)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", default="shijicheng")
        parser.add_argument("--name", default="世纪城西区")
        parser.add_argument("--address", default="北京市海淀区四季青镇世纪城西区社区")
        parser.add_argument("--households", type=int, default=30000)
        parser.add_argument("--seed", type=int, default=2026, help="same seed, same community")
        parser.add_argument("--replace", action="store_true", help="delete the community with this slug first")

    def handle(self, *args, slug, name, address, households, seed, replace, **options):
        if not 1 <= households <= MAX_HOUSEHOLDS:
            raise CommandError(f"--households must be between 1 and {MAX_HOUSEHOLDS:,}.")
        community_arguments_check(slug=slug, name=name, address=address)
        started = time.monotonic()
        try:
            community, _written = community_generate(
                slug=slug, name=name, address=address, households=households, seed=seed, replace=replace
            )
        except CommunityExists:
            raise CommandError(
                f"A community with the slug {slug!r} already exists; nothing was changed. "
                "Use --replace to delete it and generate it again, or choose another --slug."
            ) from None
        totals = community_totals(community)
        buildings = community.buildings.count()
        self.stdout.write(
            f"{community.name} ({community.slug}): {buildings} buildings, {totals.households} households, "
            f"{totals.heads} heads, {totals.area} m², in {time.monotonic() - started:.1f} s."
        )
