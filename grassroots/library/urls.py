from __future__ import annotations

from django.urls import URLPattern, path

from grassroots.library import views

app_name = "library"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_edit, name="case-new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("cases/<int:pk>/entries/", views.entry_add, name="entry-add"),
    path("cases/<int:pk>/attachments/", views.case_attach, name="case-attach"),
    path("entries/<int:pk>/advance/", views.entry_advance, name="entry-advance"),
    path("articles/", views.article_list, name="articles"),
    path("articles/new/", views.article_edit, name="article-new"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article-edit"),
    path("articles/<int:pk>/submit/", views.article_submit, name="article-submit"),
    path("articles/<int:pk>/review/", views.article_review, name="article-review"),
    path("articles/<int:pk>/attachments/", views.article_attach, name="article-attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment-remove"),
    path("columns/", views.column_list, name="columns"),
    path("brands/", views.brand_list, name="brands"),
    path("brands/new/", views.brand_edit, name="brand-new"),
    path("brands/<int:pk>/", views.brand_detail, name="brand"),
    path("brands/<int:pk>/edit/", views.brand_edit, name="brand-edit"),
    path("brands/<int:pk>/goals/", views.brand_goal, name="brand-goal"),
    path("brands/<int:pk>/awards/", views.brand_award, name="brand-award"),
    path("honours/", views.honour_list, name="honours"),
    path("unit-people/", views.unit_people, name="unit-people"),
    path("honours/<int:pk>/delete/", views.honour_delete, name="honour-delete"),
]
