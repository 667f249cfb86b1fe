from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.direct import views

app_name = "direct"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/note/", views.note, name="note"),
    path("<int:pk>/forward/", views.forward, name="forward"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("map/", views.contact_map, name="map"),
    path("map/<int:entry_pk>/remove/", views.remove_entry, name="remove-entry"),
]
