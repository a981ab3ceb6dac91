"""The referent CSV import reads what a spreadsheet writes, and refuses the rest with a French 400."""

import pytest

from coordination.errors import BadRequest
from coordination.referent.importer import parse


def test_old_mac_line_ends_are_lines():
    """Found by Schemathesis: a lone carriage return made the csv module raise (a 500)."""
    assert parse("person_id;adviser_id;reason\r1;2;orientation\r") == [
        (2, {"person_id": "1", "adviser_id": "2", "reason": "orientation"})
    ]


@pytest.mark.parametrize("text", ["ù¡\x1f\U000f3256\rÿ\U000f2cbf\x94ê", "a\rb", '"abc'])
def test_garbage_is_a_clear_400(text):
    with pytest.raises(BadRequest) as refused:
        parse(text)
    assert refused.value.code.startswith("csv-")
