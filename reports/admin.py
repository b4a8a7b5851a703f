"""The lead's way to set up a district's departments and accounts. Reports, whistles and their history are written
only by reports.services (the history is append-only), so they are not edited here."""

from django.contrib import admin

from reports.models import Department, DepartmentMember, DistrictStaff


class DepartmentMemberInline(admin.TabularInline):
    model = DepartmentMember
    raw_id_fields = ("user",)
    extra = 1


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "district", "created_at")
    list_filter = ("district",)
    list_select_related = ("district",)
    search_fields = ("name", "district__name")
    inlines = [DepartmentMemberInline]


@admin.register(DistrictStaff)
class DistrictStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "district")
    list_filter = ("district",)
    list_select_related = ("user", "district")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "user__display_name", "user__phone")


@admin.register(DepartmentMember)
class DepartmentMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "department", "district")
    list_filter = ("department__district", "department")
    list_select_related = ("user", "department__district")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "user__display_name", "user__phone", "department__name")

    @admin.display(description="district", ordering="department__district__name")
    def district(self, member):
        return member.department.district
