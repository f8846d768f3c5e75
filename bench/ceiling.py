"""The ceiling of this stack: a bare WSGI callable on waitress returning a fixed JSON.

`python bench/ceiling.py PORT THREADS [flask]`; with `flask`, a minimal Flask route that
validates nothing and stores nothing, for the second row of the table.
"""

import sys

from waitress import serve

BODY = b'{"success":true,"data":{"id":"982710394857200005"}}'


def bare(environ, start_response):
    environ["wsgi.input"].read()
    start_response(
        "201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]


def flask_app():
    from flask import Flask, Response, request

    app = Flask("ceiling")

    @app.route("/apidev/v1/clients", methods=["POST"])
    @app.route("/apidev/v1/clients/<client_id>", methods=["GET", "PUT"])
    @app.route("/__mock/health")
    def any_route(client_id=None):
        request.get_data()
        return Response(BODY, status=201, mimetype="application/json")

    return app


if __name__ == "__main__":
    port, threads = int(sys.argv[1]), int(sys.argv[2])
    app = flask_app() if sys.argv[3:] == ["flask"] else bare
    serve(app, host="127.0.0.1", port=port, threads=threads, _quiet=True)
