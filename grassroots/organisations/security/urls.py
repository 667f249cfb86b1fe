"""The login steps, one's own account, and the administrators' pages (un-namespaced names)."""

from __future__ import annotations

from django.urls import path

from grassroots.organisations.security import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", views.login_two_factor, name="login-two-factor"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.password_change, name="password-change"),
    path("accounts/two-factor/", views.two_factor, name="two-factor"),
    path("security/accounts/", views.accounts, name="security-accounts"),
    path("security/accounts/<int:pk>/active/", views.account_active, name="security-active"),
    path(
        "security/accounts/<int:pk>/password/",
        views.account_password,
        name="security-password",
    ),
    path("security/access/", views.access, name="security-access"),
    path("security/access/<int:pk>/role/", views.access_role, name="security-role"),
    path("security/access/<int:pk>/unlock/", views.access_unlock, name="security-unlock"),
    path(
        "security/access/<int:pk>/two-factor-off/",
        views.access_two_factor_off,
        name="security-two-factor-off",
    ),
    path("security/tokens/<int:pk>/revoke/", views.access_revoke, name="security-revoke"),
]
