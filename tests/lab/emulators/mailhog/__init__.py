"""MailHog-API-compatible mail catcher (test infrastructure, not MailHog). See README.md."""
