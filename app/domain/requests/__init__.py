"""Typed request models: what a client may send, parsed once at the edge (API, forms,
CLI) into typed values the services take. Each field's type is built on the app's own
parser of its kind (`types.py`), and the OpenAPI request schemas are generated from the
same models (`json_schemas`), so a limit is declared once."""
from .base import RequestModel, field_errors, json_schemas, path_of

__all__ = ["RequestModel", "field_errors", "json_schemas", "path_of"]
