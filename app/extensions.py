"""Flask extensions, created unbound and initialised by the application factory."""

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# gzip / brotli / zstd for HTML, CSS and JS: gunicorn serves the app directly, and htmx
# alone is 52 KB raw, 17 KB compressed (the dealer app's first load must stay under 40 KB).
compress = Compress()
