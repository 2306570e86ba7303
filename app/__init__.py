"""The booking portal: create_app() builds the Flask application."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import config as config_module
from . import db, security
from .extensions import csrf, htmx, login_manager


def create_app(config: dict[str, Any] | None = None) -> Flask:
    root = config_module.ROOT
    app = Flask(
        __name__,
        instance_path=str(config_module.INSTANCE),
        instance_relative_config=True,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    app.config.update(config_module.defaults(Path(app.instance_path)))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    config_module.read_text_values(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.secret_key(Path(app.instance_path))
    app.config["DATABASE_URL"] = config_module.normalise_database_url(app.config["DATABASE_URL"])

    security.configure(app)
    db.init_app(app)
    from . import edge

    edge.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    edge.count_form_fields(app)
    login_manager.init_app(app)

    from .web import admin, auth, auth_loader, customer, main, messages, sms

    auth_loader.init_app(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(customer.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(messages.bp)
    app.register_blueprint(sms.bp)

    from .web import feeds, payments

    feeds.init_app(app)
    payments.init_app(app)

    from . import api

    api.init_app(app)

    from . import throttle

    throttle.init_app(app)

    from . import cli

    cli.init_app(app)

    from .domain.settings import load_settings
    from .domain.snapshot import catalog
    from .web import formatting

    formatting.init_app(app)
    from .web.customer.calendar import calendar_html

    app.add_template_global(calendar_html)

    # {{ url_for('x', **(args | combine({'date': d}))) }}: the same query with one value changed.
    app.jinja_env.filters["combine"] = lambda base, more: {**base, **more}

    @app.context_processor
    def _business() -> dict[str, Any]:
        def offices() -> list[Any]:
            """The active offices with their contact details, for the footer (read when shown)."""
            known = catalog(db.get_session()).locations.values()
            return sorted((loc for loc in known if loc.active), key=lambda loc: (not loc.is_default, loc.id))

        return {"business_name": load_settings(db.get_session()).business_name, "offices": offices}

    if app.config.get("OUTBOX_WORKER"):
        from .worker import start_outbox_worker

        start_outbox_worker(app)
    return app
