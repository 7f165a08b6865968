"""The durable copy of everything a user made (people and their group ids, verification sessions,
submissions, asset attempts, videos), kept per connection: SQLAlchemy Core tables (tables.py), Alembic
migrations (migrations/, and legacy.py for files from before them), a Database owning the engine, and one
repository per kept thing, bound to its scope (workspace.Store holds them). Statuses are stored as codes
(codes.py). Never an API key: only a salted fingerprint of it. No Streamlit.

This module imports nothing: lib.ledger reads the codes from lib.store.codes, and the repositories read
lib.ledger."""
