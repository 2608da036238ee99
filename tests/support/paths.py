"""Where the project lives on disk, for tests that run manage.py or a fresh interpreter in it."""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
