from django.urls import path

from tracker import notification_views as views

app_name = "calendar"
urlpatterns = [
    path("", views.calendar_page, name="page"),
    path("issue/", views.calendar_issue, name="issue"),
    path("turn-off/", views.calendar_turn_off, name="turn-off"),
    path("<str:token>.ics", views.calendar_ics, name="feed"),
]
