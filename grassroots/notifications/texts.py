"""The texts of the notifications the house's apps send: message ids (``gettext_noop``) kept
here so their Chinese is in one catalogue; ``notify`` stores the id and its parameters and the
reader's language translates them when read."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

SUBMISSION_RETURNED = _("%(unit)s %(period)s: the submission was returned for correction")
SUBMISSION_RETURNED_BODY = _("%(actor)s returned it: %(comment)s")
SUBMISSION_ACCEPTED = _("%(unit)s %(period)s: the submission was accepted and locked")
SUBMISSION_ACCEPTED_BODY = _("Accepted by %(actor)s.")

MEASURE_DUE = _("Rectification measure due on %(deadline)s: %(measure)s")
MEASURE_OVERDUE = _("Rectification measure overdue since %(deadline)s: %(measure)s")
MEASURE_BODY = _("%(unit)s; responsible: %(leader)s, %(department)s.")

RUN_WARNINGS = _("%(warnings)s in your units: %(scheme)s %(period)s")
# The count of RUN_WARNINGS (``count_ref``: "1 warning", "2 warnings"; one form in Chinese).
WARNINGS_ONE = _("%(n)s warning")
WARNINGS_OTHER = _("%(n)s warnings")
RUN_WARNINGS_BODY = _("The evaluation of %(period)s was published with warnings for %(units)s.")

RELAPSE = _("Relapse warning: %(unit)s (%(period)s)")
# Read for the relapse warnings stored before the two below (its evidence named the rank).
RELAPSE_BODY = _("The unit left the weak list in %(exit)s: %(evidence)s")
# Told to the unit's clerks as well as its managers, whatever the ranking policy: the scores
# and the bottom tier only, never a rank.
RELAPSE_BOTTOM_BODY = _(
    "The unit left the weak list in %(exit)s; it has been in the bottom tier %(periods)s "
    "periods running, up to %(period)s (overall score %(score)s)."
)
RELAPSE_DROP_BODY = _(
    "The unit left the weak list in %(exit)s; in %(period)s its overall score was %(score)s, "
    "%(fall)s below its score at exit (%(exit_score)s)."
)

LEAD_OVERDUE = _("Supervision lead overdue since %(due)s: %(model)s, %(subject)s")
LEAD_OVERDUE_BODY = _("%(unit)s; step: %(step)s since %(since)s.")
