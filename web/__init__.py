"""Server-rendered pages for people, at `/`: their tokens, their organizations' applications and token policy."""
