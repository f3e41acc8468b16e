from django.urls import path

from tracker import views

app_name = "reviews"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("plan/", views.cycle_plan, name="plan"),
    path("<int:pk>/", views.cycle_detail, name="detail"),
    path("<int:pk>/edit/", views.cycle_edit, name="edit"),
    path("<int:pk>/open/", views.cycle_open, name="open"),
    path("<int:pk>/close/", views.cycle_close, name="close"),
    path("<int:pk>/report/", views.cycle_report, name="report"),
    path("<int:pk>/report.csv", views.cycle_report_csv, name="report-csv"),
    path("<int:pk>/report.xlsx", views.cycle_report_xlsx, name="report-xlsx"),
    path("<int:pk>/report/<str:code>.pdf", views.cycle_report_pdf, name="report-pdf"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/submit/", views.submission_submit, name="submit"),
    path("submissions/<int:pk>/accept/", views.submission_accept, name="accept"),
    path("submissions/<int:pk>/return/", views.submission_return, name="return"),
    path("submissions/<int:pk>/assess/", views.submission_assess, name="assess"),
]
