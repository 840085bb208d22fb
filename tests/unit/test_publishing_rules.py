"""A notice's paragraphs (publishing.rules.notice_paragraphs): the same for the poster and the
public page, whatever line breaks the browser or an older system sent."""
import pytest

from app.publishing.rules import notice_paragraphs


@pytest.mark.parametrize("body", [
    "各位业主：\n\n第一段\n第二行\n\n第二段",
    "各位业主：\r\n\r\n第一段\r\n第二行\r\n\r\n第二段\r\n",
    "各位业主：\r\r第一段\r第二行\r\r第二段",
    "  各位业主：\n \n第一段\n第二行\n\u3000\n第二段\n\n\n",
])
def test_paragraphs_whatever_the_line_breaks(body):
    assert notice_paragraphs(body) == ("各位业主：", ["第一段\n第二行", "第二段"])


def test_no_salutation_and_empty_body():
    assert notice_paragraphs("本周停水：\n详见下文\n\n谢谢") == ("", ["本周停水：\n详见下文", "谢谢"])
    assert notice_paragraphs(None) == ("", [])
    assert notice_paragraphs("\r\n\r\n") == ("", [])
