"""The activity stream: who changed what, recorded by every app and read through the API."""
