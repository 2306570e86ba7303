"""The portal as the benchmarks serve it (`gunicorn bench.serve:app`): the normal app,
with the API rate limit raised so the load is counted but never refused."""
from __future__ import annotations

from app import create_app

app = create_app({"API_RATE_LIMIT": "100000000 per minute"})
