"""Documents of dossiers: uploads, the citizen's document store (kho dữ liệu), who may read them.

By concern:

- :mod:`.checks`: what an upload must be before anything is kept (not empty, within the slot's
  size limit and the hard cap, an accepted extension, content whose first bytes match it: a
  renamed executable is refused), and the names and types shown to people.
- :mod:`.storage`: private files. The citizen's file name is display text only: on disk a file
  is ``PRIVATE_STORAGE_ROOT/<2-char prefix>/<uuid4 hex>.<ext>``, written to a temporary file
  beside it, flushed and renamed, readable only by the portal's user (0o600).
- :mod:`.store`: the citizen's document store and the documents of a draft. A document attached
  to a dossier slot is either a fresh upload (``reused=False``) or an entry of the store taken
  again (``reused=True``); the national portal reports the latter as ``DuocTaiSuDung`` and the
  service index counts it (DOMAIN §7, §8).
- :mod:`.access`: who may read a file; files are served only through
  :func:`.access.can_read`.

``dossiers.uploads`` keeps the former single-module import path for existing callers.
"""
