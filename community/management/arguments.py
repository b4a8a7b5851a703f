"""What the community commands accept on the command line: the slug and texts the web and the database can hold."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from community.models import Community


def community_arguments_check(*, slug: str, name: str | None = None, address: str | None = None) -> None:
    """CommandError for a slug no address can reach (c/<slug>/) or a value longer than its column."""
    try:
        validate_slug(slug)
    except ValidationError:
        raise CommandError(
            _("The short name “%(slug)s” may contain only letters, digits, “-” and “_”.") % {"slug": slug}
        ) from None
    labels = {"slug": _("The short name"), "name": _("The community's name"), "address": _("The address")}
    for field, value in (("slug", slug), ("name", name), ("address", address)):
        limit = Community._meta.get_field(field).max_length
        if value is not None and len(value) > limit:
            raise CommandError(
                _("%(what)s is %(length)s characters long; at most %(limit)s fit.")
                % {"what": labels[field], "length": len(value), "limit": limit}
            )
    if name is not None and not name.strip():
        raise CommandError(_("Give the community a name."))
