"""MuscleSeed settings: one module, driven by the environment.

Defaults give the embedded single-machine setup (SQLite under var/, a filesystem Celery broker);
DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and Redis/RabbitMQ.
"""

from pathlib import Path

import dj_database_url

from .env import env_bool, env_int, env_list, env_str, secret_from_env_or_file
from .media_storage import media_storage

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("MUSCLESEED_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_from_env_or_file("SECRET_KEY", VAR_DIR / "secret-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "jobs",
    "studies",
    "annotations",
    "modelhub",
    "measurements",
    "cohorts",
]

MIDDLEWARE = [
    "config.health.HealthMiddleware",  # first: probes are answered before the https redirect and host checks
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"  # what `make run` serves

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'muscleseed.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker) share the file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    # Take the write lock when a transaction starts: a read that later upgrades to a write fails at once
    # with "database is locked" when another process wrote meanwhile, whatever the timeout.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Shared cache (sign-in limits, API throttles), seen by every web process: Redis when CACHE_URL names one
# (needed when the web runs on several machines), else files under var/ shared by the processes of one machine.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "muscleseed",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.LockingFileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
if CACHE_URL:
    # Sessions stay in the database (they outlive a cache flush); reads come from the shared cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# X-Forwarded-For is believed only when the connection comes from one of these (addresses or networks,
# e.g. "10.0.0.5,172.16.0.0/12"); by default from nobody, so a client cannot pick its own address.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
# Per client address, across usernames, on the login page and POST /api/auth/token/ together.
SIGNIN_IP_ATTEMPTS_PER_MINUTE = env_int("SIGNIN_IP_ATTEMPTS_PER_MINUTE", 30)
SIGNIN_IP_FAILURE_LIMIT = env_int("SIGNIN_IP_FAILURE_LIMIT", 20)
SIGNIN_IP_FAILURE_WINDOW_MINUTES = env_int("SIGNIN_IP_FAILURE_WINDOW_MINUTES", 15)

# Login lockout: 5 failures for one username from one address locks it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "config.network.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"  # the app's page, with the lock's duration

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = True  # serve frontend/static even before collectstatic (tests, first run)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served directly: files go out through permission-checked API views
STORAGES = {
    "default": media_storage(),  # files under MEDIA_ROOT, or S3 when S3_BUCKET is set
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: large CT batches stream to temporary files instead of memory.
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("UPLOAD_MAX_FILES", 1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MUSCLESEED_UPLOAD_MAX_FILE_MB = env_int("UPLOAD_MAX_FILE_MB", 64)
# One upload request in total (declared or counted) and any body sent without credentials: refused by the
# request guard (config/request_guard.py) before anything is read or stored.
MUSCLESEED_UPLOAD_MAX_REQUEST_MB = env_int("UPLOAD_MAX_REQUEST_MB", 512)
MUSCLESEED_ANONYMOUS_MAX_BODY_KB = env_int("ANONYMOUS_MAX_BODY_KB", 64)
MUSCLESEED_ZIP_MAX_MEMBERS = env_int("UPLOAD_ZIP_MAX_MEMBERS", 5000)
MUSCLESEED_ZIP_MAX_TOTAL_MB = env_int("UPLOAD_ZIP_MAX_TOTAL_MB", 4096)
MUSCLESEED_DEID_SALT = secret_from_env_or_file("MUSCLESEED_DEID_SALT", VAR_DIR / "deid-salt")
MUSCLESEED_TEST_FRACTION = 0.2
MUSCLESEED_SARCOPENIA_REFERENCE = env_str("SARCOPENIA_REFERENCE", "Prado 2008")  # or "Martin 2013": the flag shown

API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)  # an API token's lifetime; expired tokens get 401 token_expired

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with WWW-Authenticate, not 403.
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.fields.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"upload": env_str("UPLOAD_THROTTLE_RATE", "600/hour")},
    "NUM_PROXIES": 0,  # DRF's own throttles key anonymous clients by REMOTE_ADDR, never by X-Forwarded-For
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MuscleSeed API",
    "DESCRIPTION": "CT muscle measurement: ingest, labelling, per-device models, cohorts.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: the embedded default is kombu's filesystem transport (no server needed).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu looks for new messages once a second by default: a second's wait before every job starts
        "polling_interval": 0.1,
    }
else:
    # Training runs for a long time: a message must not be redelivered while its worker still works.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 3600)}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A running job carries on through a broker outage (its state is on its database row); cancelling it, as
# Celery 6 will by default, would leave the row running until the sweeper notices (JOB_STALE_SECONDS).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 4 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 4 * 3600 - 60)
MUSCLESEED_TORCH_DEVICE = env_str("TORCH_DEVICE", "auto")  # auto: CUDA when available, else CPU
MUSCLESEED_TORCH_THREADS = env_int("TORCH_THREADS", 2)
# predictions average each slice with its mirror image (muscle Dice +0.004-0.012 on the phantom, twice the network
# time: benchmarks/engine.py dice_flip and channels_last_flip_ms)
MUSCLESEED_PREDICT_FLIP = env_bool("PREDICT_FLIP", True)
# What the model measures after an upload (modelhub.services.inference.images_to_measure): a series of up to
# MEASURE_ALL_UP_TO_SLICES slices is a few chosen slices, measured whole at once; a longer one is a volume,
# measured at its L3 slice and the slices within +-L3_NEIGHBOURS_MM of it (their mean is the study's L3
# measurement) once L3 is known, or on every slice when MEASURE_WHOLE_SERIES is on.
MUSCLESEED_MEASURE_ALL_UP_TO_SLICES = env_int("MEASURE_ALL_UP_TO_SLICES", 5)
MUSCLESEED_L3_NEIGHBOURS_MM = env_int("L3_NEIGHBOURS_MM", 0)
MUSCLESEED_MEASURE_WHOLE_SERIES = env_bool("MEASURE_WHOLE_SERIES", False)
# torch.compile training steps: ~1.4x faster steps after about a minute of compilation the first time on a machine
MUSCLESEED_TORCH_COMPILE = env_bool("TORCH_COMPILE", False)
# /readyz gives each check (database, broker, storage) this long before answering 503 (config/health.py)
READYZ_TIMEOUT_SECONDS = env_int("READYZ_TIMEOUT_SECONDS", 3)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 30 * 60)  # no heartbeat for this long: the worker is gone
JOB_UNSENT_SECONDS = env_int("JOB_UNSENT_SECONDS", 60)  # queued without a task id this long: send it again
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True

# Security. Production runs behind HTTPS; `make run` sets SECURE_HTTPS=0 for plain http on localhost.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = SECURE_HTTPS
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
