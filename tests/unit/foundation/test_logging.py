import json
import logging

from coordination.logging_config import JsonFormatter, mask_niss


def test_niss_like_numbers_are_masked():
    assert "85073003328" not in mask_niss("recherche 85073003328 trouvée")
    assert "85.07.30-033.28" not in mask_niss("NISS 85.07.30-033.28")
    assert mask_niss("commande 12345") == "commande 12345"


def test_formatter_writes_json_without_the_number():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "personne %s", ("85073003328",), None)
    line = JsonFormatter().format(record)
    assert "85073003328" not in line
    assert json.loads(line)["level"] == "INFO"


def test_request_id_is_never_masked_but_the_message_still_is():
    """Issue 20: the NISS mask ate digits inside request ids (an operator could no longer find them)."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "personne 85073003328", (), None)
    record.request_id = "01a248b1-2740-7531-95a9-486940b37412345678901"
    payload = json.loads(JsonFormatter().format(record))
    assert payload["request_id"] == "01a248b1-2740-7531-95a9-486940b37412345678901"
    assert "85073003328" not in payload["message"]
