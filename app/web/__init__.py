"""Server-rendered pages: thin layers over app.domain."""
