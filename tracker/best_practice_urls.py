from django.urls import path

from tracker import best_practice_views as views

app_name = "best_practices"
urlpatterns = [
    path("", views.library, name="library"),
    path("export.csv", views.library_export, {"kind": "csv"}, name="library-csv"),
    path("export.xlsx", views.library_export, {"kind": "xlsx"}, name="library-xlsx"),
    path("mine/", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/start-review/", views.start_review, name="start-review"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/return/", views.return_to_author, name="return"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
]
