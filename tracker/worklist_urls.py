from django.urls import path

from tracker import worklist_views as views

app_name = "worklist"
urlpatterns = [
    path("", views.my_worklist, name="mine"),
    path("export.csv", views.export, {"scope": "mine", "kind": "csv"}, name="mine-csv"),
    path("export.xlsx", views.export, {"scope": "mine", "kind": "xlsx"}, name="mine-xlsx"),
    path("all/", views.all_assignments, name="all"),
    path("all/export.csv", views.export, {"scope": "all", "kind": "csv"}, name="all-csv"),
    path("all/export.xlsx", views.export, {"scope": "all", "kind": "xlsx"}, name="all-xlsx"),
    path("assignments/<int:pk>/", views.assignment_row, name="row"),
    path("assignments/<int:pk>/edit/", views.assignment_edit, name="edit"),
    path("assignments/<int:pk>/update/", views.assignment_update, name="update"),
]
