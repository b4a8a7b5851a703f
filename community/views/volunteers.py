"""Party members and volunteers (党员、志愿者回小区报到): the register for the committee and the party organisation, a
resident registering themself, and an entrance's contacts page where neighbours reach the listed ones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.access import community_or_refuse
from community.models import Community, Entrance, Volunteer
from community.volunteers import (
    VolunteerInput,
    community_entrances,
    entrance_contacts,
    may_list,
    own_registration,
    volunteer_register,
    volunteer_rows,
    volunteer_set_listed,
    volunteer_update,
    volunteer_withdraw,
)
from core.access import refuse
from core.params import int_param
from core.uploads import private_png_response


def _volunteer_or_refuse(request, slug: str, pk: int, perm: str):
    volunteer = get_object_or_404(
        Volunteer.objects.select_related("community", "entrance__building"), pk=pk, community__slug=slug
    )
    if not request.user.has_perm(perm, volunteer):
        return volunteer, refuse(request)
    return volunteer, None


def _typed(request) -> dict:
    """What the form sent, cut to size, to pass on and to show again after a refusal."""
    post = request.POST
    return {
        "name": post.get("name", "")[:200],
        "entrance": post.get("entrance", "")[:12],
        "phone": post.get("phone", "")[:30],
        "skills": post.get("skills", "")[:400],
        "party_member": post.get("party_member") == "1",
        "listed": post.get("listed") == "1",
    }


def _input(community: Community, typed: dict) -> VolunteerInput:
    entrance_id = int_param(typed["entrance"]) if typed["entrance"] else None
    entrances = Entrance.objects.filter(building__community=community).select_related("building")
    entrance = entrances.filter(pk=entrance_id).first() if entrance_id is not None else None
    return VolunteerInput(
        name=typed["name"],
        entrance=entrance,
        phone=typed["phone"],
        skills=typed["skills"],
        party_member=typed["party_member"],
        listed=typed["listed"],
    )


def _typed_from(volunteer: Volunteer) -> dict:
    return {
        "name": volunteer.name,
        "entrance": str(volunteer.entrance_id),
        "phone": volunteer.phone,
        "skills": volunteer.skills,
        "party_member": volunteer.party_member,
        "listed": volunteer.listed,
    }


# --- The register (committee, secretary, party organisation) --------------------------------------------------


def _register_page(request, community: Community, *, typed: dict | None = None, error: str = "", status: int = 200):
    return render(
        request,
        "community/volunteers.html",
        {
            "community": community,
            "volunteers": volunteer_rows(community),
            "entrances": community_entrances(community),
            "typed": typed or {"listed": False},
            "error": error,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def volunteer_list(request, slug: str):
    """GET: the register and a form; POST: the committee registers someone (with or without an account)."""
    community, refusal = community_or_refuse(request, slug, "community.manage_volunteers")
    if refusal:
        return refusal
    if request.method != "POST":
        return _register_page(request, community)
    typed = _typed(request)
    try:
        volunteer = volunteer_register(
            community=community, by=request.user, data=_input(community, typed), photo=request.FILES.get("photo")
        )
    except ValidationError as error:
        return _register_page(request, community, typed=typed, error=error.messages[0], status=400)
    messages.success(request, _("%(name)s is registered.") % {"name": volunteer.name})
    return redirect("volunteer_list", slug=slug)


# --- A resident registers themself ------------------------------------------------------------------------------


def _form_page(request, community, *, volunteer=None, typed=None, error="", status=200, template="join"):
    return render(
        request,
        "community/volunteers_form.html",
        {
            "community": community,
            "volunteer": volunteer,
            "entrances": community_entrances(community),
            "typed": typed if typed is not None else (_typed_from(volunteer) if volunteer else {"listed": False}),
            # Listing is the person's consent: a keeper cannot give it for someone registered with their own account.
            "may_list": volunteer is None or volunteer.listed or may_list(request.user, volunteer),
            "error": error,
            "joining": template == "join",
            "can_manage": request.user.has_perm("community.manage_volunteers", community),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def volunteer_join(request, slug: str):
    """党员、志愿者回小区报到: a household member registers themself; once registered, the page shows the registration
    to change."""
    community, refusal = community_or_refuse(request, slug, "community.join_volunteers")
    if refusal:
        return refusal
    existing = own_registration(community, request.user)
    if existing is not None:
        return redirect("volunteer_edit", slug=slug, pk=existing.pk)
    if request.method != "POST":
        return _form_page(request, community)
    typed = _typed(request)
    try:
        volunteer = volunteer_register(
            community=community,
            by=request.user,
            data=_input(community, typed),
            photo=request.FILES.get("photo"),
            for_self=True,
        )
    except ValidationError as error:
        return _form_page(request, community, typed=typed, error=error.messages[0], status=400)
    messages.success(
        request,
        _("Thank you, %(name)s: you are registered with %(community)s.")
        % {
            "name": volunteer.name,
            "community": community.name,
        },
    )
    return redirect("volunteer_edit", slug=slug, pk=volunteer.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def volunteer_edit(request, slug: str, pk: int):
    """The person themself or the register's keepers change a registration."""
    volunteer, refusal = _volunteer_or_refuse(request, slug, pk, "community.change_volunteer")
    if refusal:
        return refusal
    community = volunteer.community
    if not volunteer.active:
        raise Http404("withdrawn")
    if request.method != "POST":
        return _form_page(request, community, volunteer=volunteer, template="edit")
    typed = _typed(request)
    try:
        volunteer = volunteer_update(
            volunteer=volunteer,
            by=request.user,
            data=_input(community, typed),
            photo=request.FILES.get("photo"),
            remove_photo=request.POST.get("remove_photo") == "1",
        )
    except ValidationError as error:
        return _form_page(
            request, community, volunteer=volunteer, typed=typed, error=error.messages[0], status=400, template="edit"
        )
    messages.success(request, _("The registration of %(name)s is saved.") % {"name": volunteer.name})
    return redirect("volunteer_edit", slug=slug, pk=volunteer.pk)


def _back(request, volunteer: Volunteer):
    if request.user.has_perm("community.manage_volunteers", volunteer.community):
        return redirect("volunteer_list", slug=volunteer.community.slug)
    return redirect("volunteer_join", slug=volunteer.community.slug)


@require_POST
def volunteer_consent(request, slug: str, pk: int):
    """listed=1: agree to be on the entrance's contact card and page; listed=0: take it back."""
    volunteer, refusal = _volunteer_or_refuse(request, slug, pk, "community.change_volunteer")
    if refusal:
        return refusal
    listed = request.POST.get("listed") == "1"
    try:
        volunteer_set_listed(volunteer=volunteer, by=request.user, listed=listed)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return _back(request, volunteer)
    if listed:
        messages.success(
            request, _("%(name)s is now listed on the entrance's contact card.") % {"name": volunteer.name}
        )
    else:
        messages.success(request, _("%(name)s is no longer listed for neighbours.") % {"name": volunteer.name})
    return _back(request, volunteer)


@require_POST
def volunteer_withdraw_view(request, slug: str, pk: int):
    volunteer, refusal = _volunteer_or_refuse(request, slug, pk, "community.change_volunteer")
    if refusal:
        return refusal
    try:
        volunteer_withdraw(volunteer=volunteer, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("%(name)s has withdrawn from the register.") % {"name": volunteer.name})
    return _back(request, volunteer)


@require_safe
def volunteer_photo(request, slug: str, pk: int):
    """A volunteer's photo, to whoever may see them: media is never served from a public URL."""
    volunteer, refusal = _volunteer_or_refuse(request, slug, pk, "community.view_volunteer")
    if refusal:
        return refusal
    return private_png_response(volunteer.photo)


# --- An entrance's contacts, for its residents ----------------------------------------------------------------------


@login_required
@require_safe
def entrance_contacts_page(request, slug: str, pk: int):
    community, refusal = community_or_refuse(request, slug, "community.view_volunteer_contacts")
    if refusal:
        return refusal
    entrance = get_object_or_404(Entrance.objects.select_related("building"), pk=pk, building__community=community)
    return render(
        request,
        "community/entrance_contacts.html",
        {
            "community": community,
            "entrance": entrance,
            "volunteers": entrance_contacts(entrance),
            "can_join": request.user.has_perm("community.join_volunteers", community),
            "can_manage": request.user.has_perm("community.manage_volunteers", community),
        },
    )
