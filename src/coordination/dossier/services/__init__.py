"""Domain services of the shared file: one function per use case, called alike by the API controllers and
the pages. They flush; the request's session commits (with the gate's journal rows). Only the document
use cases that move bytes commit themselves (:mod:`.document_uploads`, each commit commented)."""
