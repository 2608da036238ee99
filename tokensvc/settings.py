"""The one settings module: every deployment knob comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tokensvc import __version__, logs
from tokensvc.limits import MAX_LIFETIME_SECONDS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable, "
            "or DEBUG=true for local development with a throwaway key."
        )
    # Only ever used with DEBUG on: sessions signed with it are worthless elsewhere.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

# Earlier keys, still accepted for what they signed and for the client-secret hashes they keyed
# (applications/hashers.py), while a new SECRET_KEY is rolled out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A failed CSRF check answers JSON like every other error (tokensvc/errors.py).
CSRF_FAILURE_VIEW = "tokensvc.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # The docs pages' scripts and styles, served as static files: the pages need no internet access.
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "tokensvc",
    "activity",
    "config",
    "users",
    "applications",
    "tokens",
    "oauth",
    "pats",
    "web",
]

MIDDLEWARE = [
    # Outermost: every request is logged once and answered with its id, refused ones included.
    "tokensvc.requestlog.RequestLogMiddleware",
    # Before anything that answers on its own (refusals, static files, outages), so that every
    # response carries nosniff, the Referrer-Policy and X-Frame-Options.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Cache-Control: no-store on every response that shows a token value or client secret.
    "tokensvc.shownonce.NoStoreMiddleware",
    # An unreachable database is a 503 with Retry-After, wherever a request meets it; outside
    # sessions, whose saving can meet it too.
    "tokensvc.outage.DatabaseUnavailableMiddleware",
    # NUL characters and undecodable form bodies never reach sessions, SSO or views.
    "tokensvc.middleware.HostileInputMiddleware",
    # Static files (the browsable API's CSS and scripts) with DEBUG off, before sessions and
    # authentication have any work to do for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "users.sso.ExternalHeaderMiddleware",
    # Django's, building the message storage only for a request that uses it.
    "tokensvc.messages.MessageMiddleware",
]

# Benchmark runs only (bench/run, never in production): /bench/ serves the ceiling view and
# /api/v2/me/ behind the toolkit's stock authentication, and a request may ask how many SQL
# statements it ran.
BENCHMARK = env_bool("BENCHMARK", False)
if BENCHMARK:
    MIDDLEWARE.insert(0, "bench.middleware.QueryCountMiddleware")

ROOT_URLCONF = "tokensvc.urls"
WSGI_APPLICATION = "tokensvc.wsgi.application"
ASGI_APPLICATION = "tokensvc.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Reused for a minute by each worker thread; checked before reuse, so a connection the
        # database closed meanwhile costs a reconnect instead of an error.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
if DATABASE_CONNECT_TIMEOUT < 0:
    raise ImproperlyConfigured("DATABASE_CONNECT_TIMEOUT must be 0 (no limit) or a number of seconds.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that drops packets would otherwise hold every request (and gunicorn
    # thread) until the operating system gives up, minutes later; past this many seconds the
    # request is answered 503 (tokensvc/outage.py). A connect_timeout in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write transactions take SQLite's lock when they begin, so two workers changing the same
    # rows wait for each other instead of failing with "database is locked"; WAL lets readers
    # go on while one of them writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    # Username and password, for local accounts only (external ones sign in through their provider).
    "users.backends.LocalPasswordBackend",
    "users.sso.ExternalHeaderBackend",
]
# User passwords: Argon2id (Django's recommended hasher); a PBKDF2 hash from before is rehashed
# with it at the next sign-in. Client secrets, long random strings, take a keyed HMAC instead
# (applications/hashers.py), last here so that it never hashes a password.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "applications.hashers.ClientSecretHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/api/login/"
LOGIN_REDIRECT_URL = "/api/"
LOGOUT_REDIRECT_URL = "/api/"

# Browser sessions: idle timeout in seconds, renewed on every request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 1800)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)

# HTTPS. Off by default so that plain-HTTP development and tests work; a deployment behind a
# TLS-terminating proxy turns them on (README, Deploying). `manage.py check --deploy` names
# each one that is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` (meaning `X-Forwarded-Proto: https`) or `Header: value`, as Django wants it."""
    if not value:
        return None
    name, _, expected = value.partition(":")
    name, expected = name.strip(), expected.strip() or "https"
    if not name or not all(part.isalnum() for part in name.split("-")):
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER must be a header name such as X-Forwarded-Proto, got {value!r}."
        )
    return "HTTP_" + name.upper().replace("-", "_"), expected


# Only behind a proxy that sets this header on every request and drops it from clients:
# whoever can send it decides whether a request counts as HTTPS.
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))

# External login through a trusted single-sign-on proxy (off by default).
# When enabled, the proxy sets SSO_REMOTE_USER_HEADER to the authenticated username;
# accounts created this way carry external_account = SSO_PROVIDER_NAME.
SSO_REMOTE_USER_ENABLED = env_bool("SSO_REMOTE_USER_ENABLED", False)
SSO_REMOTE_USER_HEADER = os.environ.get("SSO_REMOTE_USER_HEADER", "X-Remote-User")
SSO_PROVIDER_NAME = os.environ.get("SSO_PROVIDER_NAME", "sso")
# Addresses allowed to send the header (the proxy's); empty trusts every peer.
SSO_TRUSTED_PROXIES = env_list("SSO_TRUSTED_PROXIES", [])

# Reverse proxies whose X-Forwarded-For names the client (tokensvc/addresses.py); empty: the
# connection's peer is the client, and the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# Trust the header from any peer: only where nothing but the proxy can reach the service.
SSO_TRUST_ALL_PEERS = env_bool("SSO_TRUST_ALL_PEERS", False)
if SSO_REMOTE_USER_ENABLED and not SSO_TRUSTED_PROXIES and not SSO_TRUST_ALL_PEERS:
    # Otherwise any client could send the header and be logged in as anyone it names.
    raise ImproperlyConfigured(
        "SSO_REMOTE_USER_ENABLED needs SSO_TRUSTED_PROXIES (the proxy's addresses), or "
        "SSO_TRUST_ALL_PEERS=true where nothing but the proxy can reach the service."
    )

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `manage.py collectstatic` gathers the apps' static files, which WhiteNoise serves.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Without DEBUG: compressed copies and content-hashed names (cached for good by browsers),
    # which need collectstatic; with DEBUG, files are found in the apps as they are edited.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Nothing is served from here; set so that Django's development and test servers, which send
# every path under MEDIA_URL to their file handler, do not treat every path as a media file.
MEDIA_URL = "/media/"

# Reports of leaked tokens (POST /api/v2/credentials/revoke/) accepted per client address and minute.
CREDENTIALS_REVOKE_PER_MINUTE = env_int("CREDENTIALS_REVOKE_PER_MINUTE", 10)
if CREDENTIALS_REVOKE_PER_MINUTE < 1:
    raise ImproperlyConfigured("CREDENTIALS_REVOKE_PER_MINUTE must be at least 1.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The first class's challenge is the one sent with a 401.
        "oauth.authentication.BearerTokenAuthentication",
        "oauth.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tokensvc.api.permissions.AccessPermission"],
    "DEFAULT_PAGINATION_CLASS": "tokensvc.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["tokensvc.api.filters.FieldLookupBackend"],
    "DEFAULT_METADATA_CLASS": "tokensvc.api.metadata.Metadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tokensvc.api.negotiation.ContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "tokensvc.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "tokensvc.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "tokensvc.openapi.schema.AutoSchema",
    "PAGE_SIZE": 25,
    # Throttles name a client by tokensvc.addresses.client_address, never by a header it writes.
    "NUM_PROXIES": 0,
    # Rates of tokensvc.api.throttles.AddressRateThrottle, by the views' `throttle_scope`.
    "DEFAULT_THROTTLE_RATES": {"credentials_revoke": f"{CREDENTIALS_REVOKE_PER_MINUTE}/min"},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# The OpenAPI schema at /api/v2/schema/ (tokensvc/openapi/): generated from the views, with the
# OAuth2 endpoints (oauth/openapi.py) and the PAT lifecycle dialect (pats/openapi.py) added.
SPECTACULAR_SETTINGS = {
    "TITLE": "tokensvc API",
    "DESCRIPTION": (
        "A Tower-style OAuth2 and personal access token service: the REST API under /api/v2/, the OAuth2 "
        "endpoints under /api/o/ and the PAT lifecycle API under /{organization}/_apis/."
    ),
    "VERSION": __version__,
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: read-only fields (ids, token values) are not inputs.
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v2/",
    # Two sets of scope values: the service's, and the lifecycle API's (which adds `app_token`).
    "ENUM_NAME_OVERRIDES": {
        "TokenScopeEnum": "tokens.serializers.SCOPE_CHOICES",
        "PatTokenScopeEnum": "pats.wire.ACCEPTED_SCOPES",
    },
    "PREPROCESSING_HOOKS": ["pats.openapi.readable_paths"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "oauth.openapi.add_oauth_endpoints",
        "pats.openapi.add_discovery_options",
    ],
}

# django-oauth-toolkit: models are the project's own from the first migration.
OAUTH2_PROVIDER_APPLICATION_MODEL = "applications.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "tokens.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "tokens.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "tokens.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "tokens.Grant"

OAUTH2_PROVIDER = {
    "SCOPES": {"read": "Read scope", "write": "Write scope"},
    "DEFAULT_SCOPES": ["read", "write"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("ACCESS_TOKEN_EXPIRE_SECONDS", 31536000000),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("REFRESH_TOKEN_EXPIRE_SECONDS", 2628000),
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": env_int("AUTHORIZATION_CODE_EXPIRE_SECONDS", 600),
    # Only a SHA-256 digest of every token value is stored (RFC 9700 section 4.14.2).
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Identifiable values with a checksum (tokensvc/tokenformat.py).
    "ACCESS_TOKEN_GENERATOR": "tokensvc.tokenformat.oauth_access_token",
    "REFRESH_TOKEN_GENERATOR": "tokensvc.tokenformat.oauth_refresh_token",
    "ROTATE_REFRESH_TOKEN": True,
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    # /api/o/: this service's validator and a server reading token lifetimes at runtime (oauth/).
    "OAUTH2_VALIDATOR_CLASS": "oauth.validators.Validator",
    "OAUTH2_SERVER_CLASS": "oauth.server.Server",
    # PKCE with S256 only; redirect URIs match exactly; no implicit grant.
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    # Access tokens only in the Authorization header, never in a query string (RFC 9700 4.3.2;
    # oauth/authentication.py reads nothing else either).
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    # Authorization responses name their issuer in `iss` (RFC 9207), which the metadata
    # document then advertises, so a client talking to several servers can tell them apart.
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # What /.well-known/oauth-authorization-server advertises.
    # New client secrets are hashed with a keyed HMAC, not a password hasher (applications/hashers.py).
    "CLIENT_SECRET_HASHER": "hmac_sha256_client_secret",
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "password", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
}

# What `manage.py check --deploy` may leave unsaid, deliberately:
SILENCED_SYSTEM_CHECKS = [
    # The password grant is part of the Tower API this service offers (`awx login` and
    # scripted clients obtain tokens with it); it is advertised and documented.
    "oauth2_provider.W002",
    # `http` redirect URIs stay allowed for native applications' loopback callbacks
    # (http://127.0.0.1:PORT/, RFC 8252 section 7.3).
    "oauth2_provider.W008",
]

# Cache: shared by every process when REDIS_URL names a Redis server (needed as soon as
# several app servers must agree on a cached value), otherwise private to each process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "tokensvc"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
if REDIS_URL:
    # A Redis that stops answering costs a second, not a hung worker: callers such as the
    # failed-authentication limits go on without it (tokensvc/throttling.py).
    CACHES["default"]["OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}

# Failed authentication (passwords, client secrets, Bearer tokens): after this many failures
# within the window, further attempts are refused with a 429 until the window frees
# (tokensvc/throttling.py). 0 turns a limit off. Shared across servers through REDIS_URL.
AUTH_FAILURE_LIMIT_PER_USERNAME = env_int("AUTH_FAILURE_LIMIT_PER_USERNAME", 10)
AUTH_FAILURE_LIMIT_PER_ADDRESS = env_int("AUTH_FAILURE_LIMIT_PER_ADDRESS", 50)
AUTH_FAILURE_WINDOW_SECONDS = env_int("AUTH_FAILURE_WINDOW_SECONDS", 900)
for _name in ("AUTH_FAILURE_LIMIT_PER_USERNAME", "AUTH_FAILURE_LIMIT_PER_ADDRESS"):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must be 0 (no limit) or a positive number of failures.")
if AUTH_FAILURE_WINDOW_SECONDS < 1:
    raise ImproperlyConfigured("AUTH_FAILURE_WINDOW_SECONDS must be at least 1.")

# A lifetime is added to and subtracted from the current time: beyond the bound, dates overflow.
for _name in ("ACCESS_TOKEN_EXPIRE_SECONDS", "REFRESH_TOKEN_EXPIRE_SECONDS", "AUTHORIZATION_CODE_EXPIRE_SECONDS"):
    if not 1 <= OAUTH2_PROVIDER[_name] <= MAX_LIFETIME_SECONDS:
        raise ImproperlyConfigured(f"{_name} must be between 1 and {MAX_LIFETIME_SECONDS} seconds.")

# A used refresh token presented again within this many seconds of its use is a concurrent
# duplicate of the request that used it (a client refreshing from several threads at once, or
# retrying): refused as invalid_grant without revoking the family. Presented later, it is reuse
# and revokes every token of its family (RFC 9700 section 4.14.2). 0: every replay revokes.
REFRESH_TOKEN_REUSE_LEEWAY_SECONDS = env_int("REFRESH_TOKEN_REUSE_LEEWAY_SECONDS", 10)
if not 0 <= REFRESH_TOKEN_REUSE_LEEWAY_SECONDS <= 3600:
    raise ImproperlyConfigured("REFRESH_TOKEN_REUSE_LEEWAY_SECONDS must be between 0 and 3600 seconds.")

# Defaults of the runtime settings (GET/PATCH /api/v2/settings/authentication/ overrides them).
ALLOW_OAUTH2_FOR_EXTERNAL_USERS = env_bool("ALLOW_OAUTH2_FOR_EXTERNAL_USERS", False)
TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH = env_bool("TOKEN_CREATION_REQUIRES_INTERACTIVE_AUTH", False)
PAT_MAX_LIFETIME_SECONDS = env_int("PAT_MAX_LIFETIME_SECONDS", 0) or None
PAT_DEFAULT_LIFETIME_SECONDS = env_int("PAT_DEFAULT_LIFETIME_SECONDS", 0) or None
for _name, _value in (
    ("PAT_MAX_LIFETIME_SECONDS", PAT_MAX_LIFETIME_SECONDS),
    ("PAT_DEFAULT_LIFETIME_SECONDS", PAT_DEFAULT_LIFETIME_SECONDS),
):
    if _value is not None and not 1 <= _value <= MAX_LIFETIME_SECONDS:
        raise ImproperlyConfigured(f"{_name} must be unset, 0, or between 1 and {MAX_LIFETIME_SECONDS} seconds.")

# Outgoing email (token expiry notices). The console backend prints messages instead of
# sending them; set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the
# EMAIL_HOST* variables to deliver through an SMTP server.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tokensvc@localhost")

# How often, at most, a token's last_used / last_used_ip is written.
TOKEN_LAST_USED_INTERVAL_SECONDS = env_int("TOKEN_LAST_USED_INTERVAL_SECONDS", 60)

# One line per log record, JSON by default (for log shippers); LOG_FORMAT=text for a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or "json"
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}.")
LOGGING = logs.config(fmt=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))
