"""The yardstick for bench/load.py: a bare Flask app served with the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """The cheapest answer Flask can give."""
    return "hello"
