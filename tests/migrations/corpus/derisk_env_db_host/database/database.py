"""Our own stand-in for apps/web_app/database/database.py of CarmineOptions/derisk-research (that file could
not be taken into this corpus). Like the original it builds the application's PostgreSQL URL from DB_USER,
DB_PASSWORD, DB_HOST, DB_PORT and DB_NAME; the project's env.py beside this package (unchanged) then writes
that URL into ``sqlalchemy.url`` over whatever URL the caller gave.

Differences from the original: no python-dotenv (``load_dotenv()``), no engine or sessionmaker, ``Base``
has no models, and the driver is named (``postgresql+psycopg``: psycopg 3 is what the tests install; the
original's ``postgresql://`` means psycopg2).
"""
import os

from sqlalchemy.orm import declarative_base

DB_USER = os.environ.get("DB_USER", "")
DB_PASSWORD = os.environ.get("DB_PASSWORD", "")
DB_SERVER = os.environ.get("DB_HOST", "")
DB_PORT = os.environ.get("DB_PORT", 5432)
DB_NAME = os.environ.get("DB_NAME", "")

SQLALCHEMY_DATABASE_URL = (
    f"postgresql+psycopg://{DB_USER}:{DB_PASSWORD}@{DB_SERVER}:{DB_PORT}/{DB_NAME}"
)

Base = declarative_base()
