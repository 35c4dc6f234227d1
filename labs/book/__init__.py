"""The lab book: the labs as web pages, one engine with `make labs` (labs/book/app.py)."""
