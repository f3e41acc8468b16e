from django.urls import path

from roadmap import views

app_name = "roadmap"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("lines/<str:code>/", views.line_detail, name="line"),
    path("outcomes/<str:code>/", views.outcome_detail, name="outcome"),
    path("actions/<str:code>/", views.action_detail, name="action"),
    path("actions/<str:code>/timeline/", views.action_timeline, name="action-timeline"),
    path("actions/<str:code>/assign/", views.action_assign, name="action-assign"),
    path("assignments/<int:pk>/due-date/", views.assignment_due_date, name="assignment-due-date"),
    path("assignments/<int:pk>/cancel/", views.assignment_cancel, name="assignment-cancel"),
    path("organisations/<str:code>/", views.organisation_detail, name="organisation"),
    path("import/", views.import_upload, name="import"),
    path("import/apply/", views.import_apply, name="import-apply"),
]
