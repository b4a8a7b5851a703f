"""The household's own switch for text messages, on the home page beside its flats: `{% sms_opt_outs bindings %}`
shows one per flat the user is bound to as its owner (a family member or tenant does not decide it). One query."""

from django import template

from community.models import HouseholdBinding
from messaging.models import OptOut

register = template.Library()


@register.inclusion_tag("messaging/_home_opt_outs.html", takes_context=True)
def sms_opt_outs(context, bindings):
    owned = [binding.household for binding in bindings if binding.relation == HouseholdBinding.Relation.OWNER]
    opted_out = (
        set(OptOut.objects.filter(household__in=owned).values_list("household_id", flat=True)) if owned else set()
    )
    request = context.get("request")
    return {
        "rows": [(household, household.pk in opted_out) for household in owned],
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }
