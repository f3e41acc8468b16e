from django.urls import path

from roadmap import material_views as views

app_name = "materials"
urlpatterns = [
    path("", views.register, name="register"),
    path("export.csv", views.register_export, {"kind": "csv"}, name="register-csv"),
    path("export.xlsx", views.register_export, {"kind": "xlsx"}, name="register-xlsx"),
    path("gaps/", views.gap, name="gaps"),
    path("<slug:slug>/", views.material_detail, name="detail"),
]
