"""Operations: online backup and restore (`flask --app run.py backup / restore`), the gunicorn
settings for the production start (gunicorn_conf.py)."""
