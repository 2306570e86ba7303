"""Transports: how the outbox's messages leave this machine (SMTP or .eml files, HTTP
with the SSRF guard). The domain decides what to send, when and how often
(app/domain/outbox.py); a transport only sends, within a total deadline, and reports a
failure as the domain's DeliveryFailed (temporary unless no retry can change it)."""
