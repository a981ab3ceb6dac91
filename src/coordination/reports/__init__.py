"""PDF rendering shared by the domain packages: a Jinja template → WeasyPrint, French, self-contained.

``render_pdf("cadastre/evaluation_report.html", context)`` renders ``coordination/cadastre/templates/
evaluation_report.html``: a template name is ``<package>/<file>``, looked up in that package's ``templates``
folder, so each package keeps its own templates and shares the renderer. See :mod:`.pdf`.
"""

from coordination.reports.pdf import ReportError, render_html, render_pdf, render_pdf_async

__all__ = ["ReportError", "render_html", "render_pdf", "render_pdf_async"]
