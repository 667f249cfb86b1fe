"""Identity and sessions: password rules, lockout, the second factor, session limits, and the
pages of the system and security administrators (三员分立; the auditor's page is the audit log)."""
