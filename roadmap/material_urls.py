from django.urls import path

from roadmap import material_views as views

app_name = "materials"
urlpatterns = [
    path("", views.register, name="register"),
    path("gaps/", views.gap, name="gaps"),
    path("<slug:slug>/", views.material_detail, name="detail"),
]
