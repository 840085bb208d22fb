"""gunicorn settings for the production start (README, "Production start (gunicorn)"):

    flask --app run.py init                      # once per deploy: migrations, permissions, roles
    gunicorn -c app/ops/gunicorn_conf.py run:app # the web workers (they never write permissions)

Every setting can be changed from the environment without editing this file:
BIND (127.0.0.1:8000), WEB_CONCURRENCY (3 workers), GUNICORN_THREADS (1), GUNICORN_TIMEOUT (60 s),
ACCESS_LOG / ERROR_LOG ("-" = stdout / stderr), FORWARDED_ALLOW_IPS (127.0.0.1: the load
balancer's address, so that X-Forwarded-Proto/For are trusted from it only).

Workers are separate processes that each build the app (no preload: a database connection pool
must never be shared across fork). Sessions are signed cookies, so any worker and any host with
the same SECRET_KEY serves any user: no sticky sessions.
"""
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a long PDF batch belongs in a job queue, not here
graceful_timeout = 30
keepalive = 5
# a worker is replaced after this many requests (memory of WeasyPrint layouts is given back)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
preload_app = False
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("ACCESS_LOG", "-")
errorlog = os.environ.get("ERROR_LOG", "-")
loglevel = os.environ.get("LOG_LEVEL", "info")
# pid of the worker (%(p)s) and the time taken in microseconds (%(D)s) on every line
access_log_format = '%(h)s %(p)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
proc_name = "estate-desk"
# the app must never write permissions from a web worker (config.FAB_UPDATE_PERMS): `init` does it
raw_env = ["FAB_UPDATE_PERMS=0"]
