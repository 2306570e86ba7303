"""Loaded (through PYTHONPATH) only by the suite's run under `faketime` (see `make
test-faketime`), in the test process and every Python process it starts.

That run fakes the wall clock but not the monotonic one (FAKETIME_DONT_FAKE_MONOTONIC):
faking both makes libfaketime 0.9.10 hang every timed wait on a lock (glibc's
sem_clockwait is not intercepted). With the monotonic clock left alone, its
clock_nanosleep wrapper gets Python 3.11's absolute monotonic deadlines wrong and
`time.sleep` fails with EINVAL (libfaketime issue 426). So `time.sleep` waits on an
event instead, which measures the same monotonic time. Nothing here changes what the
app's code or the tests decide: they never read the wall clock but through app/clock.py.
"""
import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


time.sleep = _sleep
