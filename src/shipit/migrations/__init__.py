"""Database migrations: plan, offline SQL per dialect, live round trip, ROLLBACK.md and a bundle.

Modules: ``config`` (the ``migrations:`` section), ``scripts`` (loading the Alembic script directory and
reading each revision's code), ``sqlcheck`` (inspecting emitted SQL), ``offline`` (``--sql`` generation),
``schema`` (schema snapshots), ``verify`` (live round trip and running the SQL with the database's own
client), ``bundle`` (plan.json, ROLLBACK.md, the tarball), ``cli`` (``shipit migrations``).
"""
