"""The fixed reasons security events record. Stored in English (the log is data); the audit
page shows each in the reader's language (`audit_reason` filter), so they are marked here."""

from __future__ import annotations

from django.utils.translation import gettext_noop

ACCOUNT_CREATED = gettext_noop("account created")
WRONG_PASSWORD = gettext_noop("wrong password or unknown account")
WRONG_CODE = gettext_noop("wrong one-time code")
WHILE_LOCKED = gettext_noop("refused: the account is locked")
LOCKED = gettext_noop("locked after repeated failures")
IDLE = gettext_noop("session idle timeout")
ABSOLUTE = gettext_noop("session reached its longest allowed length")
OWN_CHANGE = gettext_noop("changed by its owner")
SET_BY_ADMIN = gettext_noop("set by an administrator")
RESET_BY_SYSTEM_ADMIN = gettext_noop(
    "reset by the system administrator; to be changed at the next login"
)
WRONG_CURRENT = gettext_noop("wrong current password")
TWO_FACTOR_ON = gettext_noop("second factor turned on")
TWO_FACTOR_OFF = gettext_noop("second factor turned off")
TWO_FACTOR_RESET = gettext_noop("second factor reset by the security administrator")
NOT_LOCKED = gettext_noop("was not locked")
ROLE_GIVEN = gettext_noop("role given by the security administrator")
REVOKED_ON_PAGE = gettext_noop("revoked by the security administrator")
COMMAND_LINE = gettext_noop("at the command line")
UNAUTHENTICATED = gettext_noop("not logged in or the token is not valid (401)")
FORBIDDEN = gettext_noop("not allowed (403)")
NOT_FOUND = gettext_noop("no such page, or outside the user's scope (404)")
