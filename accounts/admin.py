from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "phone", "phone_verified", "is_staff", "is_active")
    search_fields = ("username", "display_name", "phone")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Gongyi"), {"fields": ("display_name", "phone", "phone_verified")}))
