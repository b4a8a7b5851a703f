"""The canvasser's own list of doors still to knock on (我的走访任务), across the proposals being canvassed where
they have assignments: on the phone, printed (canvass.css has its print rules) and as an .xlsx workbook."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from config.xlsx import XLSX_TYPE
from consult import selectors, xlsx


@login_required
def my_visits(request):
    today = timezone.localdate()
    proposals = selectors.visit_tasks(request.user, today=today)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(xlsx.visit_tasks_xlsx(proposals=proposals, today=today), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="visits-{today.isoformat()}.xlsx"'
        return response
    return render(
        request,
        "consult/my_visits.html",
        {
            "proposals": proposals,
            "total": sum(p.total for p in proposals),
            "today": today,
            "printed_at": timezone.localtime(),
        },
    )
