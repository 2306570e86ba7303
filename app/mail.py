"""Choosing the mail backend from configuration."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .domain.notifications import FileBackend, MailBackend, SmtpBackend


def backend_from_config(config: dict[str, Any]) -> MailBackend:
    if config.get("MAIL_BACKEND", "file") == "smtp":
        return SmtpBackend(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config.get("MAIL_USE_TLS")),
        )
    return FileBackend(Path(config["MAIL_DIR"]))
