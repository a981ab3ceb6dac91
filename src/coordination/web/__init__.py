"""Server-rendered pages in French (Jinja + HTMX), calling the same services and access gate as the API."""
