FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SERVE_STATIC=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kernel kernel
COPY web web
COPY members members
COPY realtime realtime
COPY forum forum
COPY mailboxes mailboxes
COPY meetings meetings
COPY lessons lessons
COPY moderation moderation
COPY branch branch
COPY membership membership
COPY locale locale
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build python manage.py collectstatic --noinput
RUN useradd --system --home /app epa && mkdir -p /data/media /app/var && chown -R epa /data /app/var
USER epa
EXPOSE 8000
CMD ["python", "-m", "web.server", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "web.asgi:application"]
