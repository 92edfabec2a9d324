FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
ENV DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=/app/backend
RUN SECRET_KEY=build MUSCLESEED_DEID_SALT=build python manage.py collectstatic --noinput
