# One image for every Convene process: web workers, media workers, migrate.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings_production
RUN apt-get update && apt-get install -y --no-install-recommends libopus0 libvpx7 libsrtp2-1 curl \
    fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
# The media forwarding path's C module (signaling/media/_wire.c); the compiler is not kept.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && python signaling/media/wire_build.py \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/*
# collectstatic needs a key only to import settings; the real one comes from the environment.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
RUN useradd --system convene && mkdir -p /app/var && chown convene /app/var
USER convene
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "config.asgi:application"]
