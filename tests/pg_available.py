"""Exit 0 if the PostgreSQL server of the given URL answers (used by `make test`)."""
import sys

import psycopg

url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://")
base = url.rpartition("/")[0]
try:
    psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
