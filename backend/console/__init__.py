"""The officials' console at /console: server-rendered pages (Jinja2 templates, one stylesheet, no
JavaScript needed) over the same services the API uses. router.py holds the routes, pages.py the
rendering, inbox.py the inbox query, case_view.py what a case page shows."""
