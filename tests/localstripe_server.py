"""A real localstripe (the stateful Stripe stand-in from the package index) on a free
loopback port: the payments tests point the Stripe SDK at it (STRIPE_API_BASE) and the
browser loads its Stripe.js stand-in from `/js.stripe.com/v3/`.

Quirks seen and relied on (localstripe 1.15):
- it ignores idempotency keys: "exactly once" must hold through our own rows (the
  payments domain's claim), which is what the concurrency test shows;
- its Stripe.js `confirmCardPayment` takes no card: it only completes 3-D Secure (a
  modal, "Complete authentication"). So a card is entered through `confirmCardSetup`
  (a SetupIntent, as for a card on file) and the server charges the saved card;
- it keeps everything in memory, so one process serves the whole run; tests count
  PaymentIntents by the payment id in their metadata, never in total."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.redis_server import answers, free_port, real_clock_env


@contextmanager
def localstripe_server(workdir: Path) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) of a running localstripe."""
    exe = shutil.which("localstripe", path=str(Path(sys.executable).parent)) or shutil.which("localstripe")
    if exe is None:
        raise RuntimeError("localstripe is not installed: pip install -e '.[test]'")
    port = free_port()
    log = (workdir / "localstripe.log").open("wb")
    proc = subprocess.Popen([exe, "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT, cwd=workdir, env=real_clock_env())
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("localstripe did not start: " + (workdir / "localstripe.log").read_text()[-2000:])
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
