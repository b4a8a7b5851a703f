from django.contrib import admin

from community.models import Building, Community, District, Entrance, Household, HouseholdBinding, JoinCode, Owner, Role


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "district", "address")
    list_filter = ("district",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("developer_voter",)


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "community")
    list_filter = ("community",)
    search_fields = ("name",)


@admin.register(Entrance)
class EntranceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "building")
    list_filter = ("building__community",)
    list_select_related = ("building",)
    raw_id_fields = ("building",)


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "phone", "community")
    list_filter = ("community", "kind")
    search_fields = ("name", "phone")


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("__str__", "floor", "area", "developer_held", "owner")
    list_filter = ("entrance__building__community", "developer_held")
    list_select_related = ("entrance__building", "owner")
    search_fields = ("room", "owner__name")
    raw_id_fields = ("entrance", "owner")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "community", "kind", "office", "created_at")
    list_filter = ("community", "kind", "office")
    raw_id_fields = ("user",)


@admin.register(HouseholdBinding)
class HouseholdBindingAdmin(admin.ModelAdmin):
    list_display = ("user", "household", "relation", "created_at")
    list_filter = ("relation",)
    raw_id_fields = ("user", "household", "join_code", "verified_by")


@admin.register(JoinCode)
class JoinCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "household", "expires_at", "revoked_at", "used_at")
    raw_id_fields = ("household", "used_by")
    search_fields = ("code",)
