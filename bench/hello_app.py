"""The bare Flask app every benchmark row is compared with: one route, nothing else.

    waitress-serve --threads=4 bench.hello_app:app
"""

from flask import Flask

app = Flask("hello")


@app.get("/")
def hello():
    return "hello"
