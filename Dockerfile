# One image for every portal process (web, worker, beat) and the sandbox; docker-compose.yml
# picks the command. Dependencies come from the committed uv.lock, without the dev group.
FROM python:3.11-slim

ARG UV_VERSION=0.13.9
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH \
    PORTAL_VAR_DIR=/srv/portal/var \
    PRIVATE_STORAGE_ROOT=/srv/portal/private \
    STATIC_ROOT=/app/staticfiles \
    DJANGO_SETTINGS_MODULE=portal.settings.production

RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}" \
    && groupadd --system portal \
    && useradd --system --gid portal --home-dir /app --no-create-home portal

WORKDIR /app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project --python /usr/local/bin/python3.11

COPY . .

# Static files are collected at build time (whitenoise serves them from STATIC_ROOT). The base
# settings need no database or secrets for this.
RUN DJANGO_SETTINGS_MODULE=portal.settings.base PORTAL_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-var \
    && mkdir -p /srv/portal/var /srv/portal/private /srv/sandbox \
    && chown -R portal:portal /srv/portal /srv/sandbox

USER portal
EXPOSE 8000 8100

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
