"""What a mention's role and a listed entity's positions are compared by (`assets.linkage.roles`):
the organisation a post is in, and its title."""

from __future__ import annotations

import pytest

from assets.linkage.roles import position_names, position_titles, role_names, role_titles


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("Russian President", ("president",)),
        ("President of the Russian Federation", ("president",)),
        ("Foreign Ministry spokesman", ("spokesperson",)),
        ("chairwoman of the board", ("chair",)),
        ("Deputy Head of Presidential Guard", ()),  # "deputy" and "head" of what?
        (None, ()),
    ],
)
def test_role_titles(text: str | None, titles: tuple[str, ...]) -> None:
    assert role_titles(text) == titles


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Director General and Vice Chairman of Surgutneftegaz", ("surgutneftegaz",)),
        ("Hamas leader in Gaza", ("hamas",)),
        ("President of the Russian Federation", ()),  # every state calls itself so
        ("chief executive of Sberbank and a long-term advisor", ("sberbank",)),
        # lower-case words of mixed-case text name nothing; honorifics name no organisation
        ("Minister under the Taliban regime", ()),
        ("Haji", ()),
        # text all in capitals: every word may be a name
        ("COMMANDER OF M23", ("m23",)),
    ],
)
def test_role_names(text: str, names: tuple[str, ...]) -> None:
    assert role_names(text) == names


def test_a_listed_entitys_positions_are_pooled() -> None:
    positions = ["Chief Executive Officer of Surgutneftegas/Surgutneftegaz", "Member of the Board"]
    assert position_names(positions) == ("surgutneftegas", "surgutneftegaz")
    # "officer" and "member" name no post of their own
    assert position_titles(positions) == ("executive",)
    assert position_names(None) == position_titles(None) == ()
