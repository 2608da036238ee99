"""The limits on what the service accepts, in one place (README, "Limits on input")."""

# Token and code lifetimes, in seconds (about 1,268 years). Lifetimes are added to and
# subtracted from the current time (expiry dates, cleanup cutoffs): within this bound both
# stay valid dates for centuries on either side of today.
MAX_LIFETIME_SECONDS = 40_000_000_000

# Nesting of JSON arrays and objects in a request body; no endpoint needs more than a few.
MAX_JSON_DEPTH = 32

# Free text: descriptions of organizations and applications, and an application's redirect URIs.
DESCRIPTION_MAX_LENGTH = 1024
REDIRECT_URIS_MAX_LENGTH = 4096

# A text value in an activity record keeps this many characters and notes its full length.
ACTIVITY_VALUE_MAX_LENGTH = 200

# Values in one report of leaked tokens (POST /api/v2/credentials/revoke/), and the length of
# each: a token value is 42 characters, so a longer one is not a token of any format worth keeping.
REPORTED_TOKENS_MAX = 1000
REPORTED_VALUE_MAX_LENGTH = 256
