"""URLs of cost sharing: the committee's plan, share table and collection; a household's sign-up and bill."""

from django.urls import path

from costs import views

urlpatterns = [
    path("proposals/<int:pk>/costs/", views.cost_plan, name="cost_plan"),
    path("proposals/<int:pk>/costs/settings/", views.cost_plan_settings, name="cost_plan_settings"),
    path("proposals/<int:pk>/costs/remove/", views.cost_plan_remove, name="cost_plan_remove"),
    path("proposals/<int:pk>/costs/items/", views.cost_item_add, name="cost_item_add"),
    path("proposals/<int:pk>/costs/items/<int:item_id>/remove/", views.cost_item_remove, name="cost_item_remove"),
    path("proposals/<int:pk>/costs/subsidies/", views.cost_subsidy_add, name="cost_subsidy_add"),
    path(
        "proposals/<int:pk>/costs/subsidies/<int:subsidy_id>/remove/",
        views.cost_subsidy_remove,
        name="cost_subsidy_remove",
    ),
    path("proposals/<int:pk>/costs/coefficients/", views.cost_coefficients, name="cost_coefficients"),
    path("proposals/<int:pk>/costs/shares/", views.cost_shares, name="cost_shares"),
    path("proposals/<int:pk>/costs/shares.xlsx", views.cost_shares_xlsx, name="cost_shares_xlsx"),
    path("proposals/<int:pk>/costs/sign-up/", views.cost_sign_up, name="cost_sign_up"),
    path("proposals/<int:pk>/my-bill/", views.my_bill, name="my_bill"),
    path("proposals/<int:pk>/bills/", views.bill_collection, name="bill_collection"),
    path("proposals/<int:pk>/bills.xlsx", views.bill_collection_xlsx, name="bill_collection_xlsx"),
    path("c/<slug:slug>/payment-instructions/", views.payment_instructions, name="payment_instructions"),
    path("c/<slug:slug>/payment-qr.png", views.payment_qr, name="payment_qr"),
    path("proposals/<int:pk>/bills/resplit/", views.bill_resplit, name="bill_resplit"),
    path("proposals/<int:pk>/bills/<int:bill_id>/pay/", views.bill_record_payment, name="bill_pay"),
    path("proposals/<int:pk>/bills/<int:bill_id>/waive/", views.bill_record_waiver, name="bill_waive"),
]
