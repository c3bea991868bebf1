"""Stand-ins for the outside systems the portal talks to, run as a separate Django project.

The sandbox has its own settings, URL map and database so that it behaves like a system on
another machine: the portal reaches it only over HTTP (``SANDBOX_URL``), never by import, and
nothing here imports the portal's packages.
"""
