"""GET / answers "Hello, world!" as the lab's apps do, in plain WSGI; nothing else."""

HELLO = b"Hello, world!"
HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(HELLO)))]


def app(_environ, start_response):
    start_response("200 OK", HEADERS)
    return [HELLO]
