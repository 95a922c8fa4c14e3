# Defaults for every setting read from the environment; override any of them by exporting
# the variable before `make`. Loaded by the Makefile, which exports them to all processes.
ACTION_SERVER_PORT ?= 5055
RASA_PORT ?= 5005
WEB_PORT ?= 8080
# Interfaces the servers bind to: loopback unless you put them behind a reverse proxy.
RASA_INTERFACE ?= 127.0.0.1
SANIC_HOST ?= 127.0.0.1
ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTION_SERVER_PORT)/webhook
# Shared secret Rasa sends to the action server; empty: scripts/run_all.py generates var/action_server_secret.
ACTION_SERVER_SECRET ?=
WEB_INTERFACE ?= 127.0.0.1
# The Rasa server as visitors' browsers reach it; "/" when a reverse proxy serves /socket.io/ on the site.
RASA_SOCKET_URL ?= http://localhost:$(RASA_PORT)
# The website origin allowed by CORS and by the socket.io origin check on the Rasa server.
SITE_ORIGIN ?= http://localhost:$(WEB_PORT)
# Signs the conversation ids the socket.io channel issues; empty: scripts/run_all.py generates one
# into var/conversation_id_key (0600). Production sets it, the same on every Rasa server.
CONVERSATION_ID_KEY ?=
TRACKER_STORE_DIALECT ?= sqlite
TRACKER_STORE_HOST ?=
TRACKER_STORE_PORT ?= 5432
TRACKER_STORE_DB ?= var/tracker.db
TRACKER_STORE_USERNAME ?=
TRACKER_STORE_PASSWORD ?=
# Lock store: in_memory for one server; redis when several servers share the conversations.
LOCK_STORE_TYPE ?= in_memory
LOCK_STORE_HOST ?= 127.0.0.1
LOCK_STORE_PORT ?= 6379
LOCK_STORE_DB ?= 1
LOCK_STORE_PASSWORD ?=
LOCK_STORE_KEY_PREFIX ?= clinic
# Messages one Rasa process answers at once (components/fair_queue.py); what of the conversation
# the action server gets: turn or all (components/rasa_speedups.py).
MESSAGE_CONCURRENCY ?= 2
ACTION_TRACKER_EVENTS ?= turn
# Longest message the channels pass to Rasa; a custom action's time limit (components/).
MAX_MESSAGE_CHARS ?= 4000
# Largest request body the Rasa and action servers read (Sanic answers 413 above it), and how long
# the demo page server waits for a request on an open connection.
SANIC_REQUEST_MAX_SIZE ?= 1048576
WEB_SOCKET_TIMEOUT ?= 20
ACTION_TIMEOUT_SECONDS ?= 5
# Messages one chat may send over socket.io: a burst, then this many per second on average
# (components/input_checks.py); faster ones are asked to wait, a possible crisis never is.
CHAT_MESSAGE_BURST ?= 10
CHAT_MESSAGES_PER_SECOND ?= 1
# Staff paging limits (clinic/adapters/alert_limits.py): repeats of an open alert (same chat and crisis
# category) are counted, not paged, until it is quiet this long or staff mark it handled;
ALERT_REPEAT_WINDOW_MINUTES ?= 60
# more than ALERT_BURST_LIMIT new crisis alerts within ALERT_BURST_MINUTES become one "unusual volume" page;
ALERT_BURST_LIMIT ?= 5
ALERT_BURST_MINUTES ?= 10
# callback requests: one open per chat (for CALLBACK_REPEAT_HOURS), and at most this many pages per number a day.
CALLBACK_REPEAT_HOURS ?= 24
CALLBACK_MAX_PER_NUMBER_PER_DAY ?= 3
# Staff inbox (staff_inbox/): loopback http in development, so the Secure cookie flag is off here only.
INBOX_PORT ?= 8090
INBOX_INTERFACE ?= 127.0.0.1
INBOX_BASE_URL ?= http://127.0.0.1:$(INBOX_PORT)
INBOX_COOKIE_SECURE ?= off
INBOX_IDLE_MINUTES ?= 15
ESCALATION_MINUTES ?= 15
PRACTICE_PROFILE ?= practice_profile.yml
RASA_TELEMETRY_ENABLED ?= false
SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
TF_CPP_MIN_LOG_LEVEL ?= 2
# Keep the terminal readable: TensorFlow and Rasa's dependencies print many deprecation notices.
PYTHONWARNINGS ?= ignore::DeprecationWarning
# Conversation lock (components/lock_store.py, redis only): a ticket's lease, renewed while its
# server lives (a dead server's place lapses within it); how long a message waits for its turn.
LOCK_LEASE_SECONDS ?= 5
LOCK_WAIT_SECONDS ?= 30
# Rasa patches (components/rasa_patches.py), applied when the Rasa server starts: "on" = all
# speed-ups, "off" = none, or a comma list of them (action_validator, action_json, action_turn,
# state_cache, fair_queue, direct_graph). The safety patches are always on.
CLINIC_RASA_PATCHES ?= on
