"""Forms of the cost pages: they read and shape input; the rules about amounts live in costs.services."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.dates import check_date
from costs.models import BillStatus, CostMethod, ResplitAmong, Sharers, SubsidySource

MONEY = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.01")}


def _money_field(label):
    return forms.DecimalField(
        label=label, **MONEY, widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    )


class PlanForm(forms.Form):
    method = forms.ChoiceField(label=_("How it is shared"), choices=CostMethod.choices, widget=forms.RadioSelect)
    sharers = forms.ChoiceField(label=_("Who shares it"), choices=Sharers.choices, widget=forms.RadioSelect)
    weight_label = forms.CharField(
        label=_("What each beneficiary counts"),
        max_length=30,
        required=False,
        help_text=_("Only for sharing by number, e.g. “e-bikes”: each household says how many it has."),
    )
    notes = forms.CharField(
        label=pgettext_lazy("costs", "Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LineItemForm(forms.Form):
    description = forms.CharField(label=pgettext_lazy("costs", "Item"), max_length=120)
    supplier = forms.CharField(label=pgettext_lazy("costs", "Supplier"), max_length=100, required=False)
    amount = _money_field(pgettext_lazy("costs", "Amount (yuan)"))
    attachment = forms.TypedChoiceField(label=_("Quote (an attachment of the proposal)"), required=False, coerce=int)

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].choices = [("", "—")] + [(a.pk, a.title) for a in attachments]
        self.fields["attachment"].empty_value = None


class SubsidyForm(forms.Form):
    source = forms.ChoiceField(label=pgettext_lazy("costs", "Source"), choices=SubsidySource.choices)
    name = forms.CharField(label=pgettext_lazy("costs", "Name"), max_length=100, required=False)
    amount = _money_field(pgettext_lazy("costs", "Amount (yuan)"))


class CoefficientsForm(forms.Form):
    """One field per floor (floor_<n>); an empty field leaves that floor out (it then counts 0)."""

    def __init__(self, *args, floors=(), initial_values=None, placeholders=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_values, placeholders = initial_values or {}, placeholders or {}
        for floor in floors:
            self.fields[f"floor_{floor}"] = forms.DecimalField(
                label=_("Floor %(floor)s") % {"floor": floor},
                max_digits=6,
                decimal_places=3,
                min_value=0,
                required=False,
                initial=initial_values.get(floor),
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": placeholders.get(floor, "")}
                ),
            )

    def coefficients(self) -> dict[int, Decimal]:
        return {
            int(name.removeprefix("floor_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("floor_") and value is not None
        }


class SignUpForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("sign_up", "sign_up"), ("withdraw", "withdraw")])
    # Whole things only (e-bikes, parking spaces): "1.5" is refused here with a plain message, and again by the
    # service (costs.services._weight) for any other caller.
    weight = forms.IntegerField(
        required=False,
        error_messages={"invalid": _("Count whole things: enter a whole number such as 1, 2 or 3.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1", "step": "1"}),
    )


class PayForm(forms.Form):
    amount = _money_field(_("Amount received (yuan)"))
    paid_on = forms.DateField(
        label=pgettext_lazy("costs", "Paid on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[check_date],
    )
    note = forms.CharField(label=_("Note (e.g. receipt number)"), max_length=100, required=False)

    def clean_paid_on(self):
        return self.cleaned_data["paid_on"] or timezone.localdate()


class WaiveForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the waiver"), max_length=200)


class ResplitForm(forms.Form):
    among = forms.ChoiceField(
        label=_("Who shares the waived amounts"),
        choices=ResplitAmong.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who shares the waived amounts.")},
    )
    reason = forms.CharField(label=_("Why the waived amounts are shared"), max_length=200)
    confirm = forms.BooleanField(label=_("I understand that every household still to pay will owe more."))


class PaymentInstructionsForm(forms.Form):
    """How households pay. The QR image is checked and re-encoded by the service (costs.services.qr_reencoded)."""

    payee = forms.CharField(label=_("Account name"), max_length=100, required=False)
    account = forms.CharField(
        label=_("Bank and account number"),
        max_length=120,
        required=False,
        help_text=_("For example: 中国工商银行 某某支行 6222 0000 0000 0000"),
    )
    place = forms.CharField(
        label=_("Where to pay in person"),
        max_length=120,
        required=False,
        help_text=_("For example: the committee's office, ground floor of building 1"),
    )
    hours = forms.CharField(
        label=_("Office hours"),
        max_length=120,
        required=False,
        help_text=_("For example: Saturdays and Sundays 9:00–11:30"),
    )
    notes = forms.CharField(
        label=_("Other instructions"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: write your building and room number in the transfer note."),
    )
    qr = forms.FileField(
        label=_("Payment QR code (a photo or screenshot)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_qr = forms.BooleanField(label=_("Remove the QR code"), required=False)


class BillFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", pgettext_lazy("costs", "all")), *BillStatus.choices], required=False)
    building = forms.CharField(required=False, max_length=30)
    entrance = forms.CharField(required=False, max_length=30)


SHARE_SORTS = {"place", "-place", "amount", "-amount"}


class ShareFilterForm(forms.Form):
    building = forms.CharField(required=False, max_length=30)
    entrance = forms.CharField(required=False, max_length=30)
    sort = forms.ChoiceField(choices=[(s, s) for s in sorted(SHARE_SORTS)], required=False)
