# One image for every MuscleSeed process in docker-compose.yml: web (gunicorn), Celery workers, beat, migrate.
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=/app/backend PYTHONUNBUFFERED=1
RUN SECRET_KEY=build MUSCLESEED_DEID_SALT=build python manage.py collectstatic --noinput
EXPOSE 8000
# docker-compose.yml names each service's command; this default is the web server.
CMD ["gunicorn", "config.asgi", "--chdir", "backend", "--bind", "0.0.0.0:8000", "--worker-class", "asgi", \
     "--workers", "4", "--timeout", "60", "--keep-alive", "5", "--access-logfile", "-"]
