"""httpbin, the HTTP request and response service (a Flask app from the package index,
written by others), served as it is: the lab measures it on its own endpoints, which
app.toml declares as scenarios."""

from httpbin import app

__all__ = ["app"]
