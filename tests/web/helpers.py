"""Driving forms as a browser does: fetch the page, take its CSRF token, post."""
from __future__ import annotations

import re

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def submit(client, page_url: str, data: dict, post_url: str | None = None, **kwargs):
    page = client.get(page_url)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(post_url or page_url, data={"csrf_token": token, **data}, **kwargs)
