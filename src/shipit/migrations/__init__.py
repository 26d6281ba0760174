"""Database migrations: plan, offline SQL per dialect, live round trip, ROLLBACK.md and a bundle.

Modules: ``config`` (the ``migrations:`` section), ``scripts`` (where the Alembic setup is, and what each
revision's code does, read with ``ast``), ``runner/`` (the one layer that imports the project's env.py and
revisions and talks to databases: plain data in and out, runnable as its own program), ``bridge`` (calls the
runner), ``offline`` (the SQL files), ``sqlcheck`` (inspecting emitted SQL), ``verify`` (the database clients
and the order of the proof), ``build`` (plan, plan.json, ROLLBACK.md, the tarball), ``placing`` (a bundle
into a directory that holds other files), ``report`` (Rich tables), ``cli`` (``shipit migrations``).
"""
