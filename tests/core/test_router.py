"""The router: literal segments before parameters, 404 versus 405."""

from __future__ import annotations

import pytest

from mailtwin.router import Router


@pytest.fixture
def router() -> Router[str]:
    routes: Router[str] = Router()
    routes.add("GET", "/emma/{account_id}/mailings", "list")
    routes.add("GET", "/emma/{account_id}/mailings/{mailing_id}", "get")
    routes.add("PUT", "/emma/{account_id}/mailings/{mailing_id}", "put")
    routes.add("POST", "/emma/{account_id}/mailings/validate", "validate")
    routes.add("DELETE", "/emma/{account_id}/mailings/cancel/{mailing_id}", "cancel")
    return routes


def test_parameters_are_captured(router: Router[str]) -> None:
    match = router.match("GET", "/emma/100/mailings/200")
    assert (match.target, match.params) == ("get", {"account_id": "100", "mailing_id": "200"})


def test_literal_segment_wins_for_its_method(router: Router[str]) -> None:
    assert router.match("POST", "/emma/100/mailings/validate").target == "validate"


def test_a_concrete_path_wins_over_a_template_even_without_the_method(
        router: Router[str]) -> None:
    match = router.match("GET", "/emma/100/mailings/validate")
    assert (match.target, match.allowed) == (None, ("POST",))


def test_wrong_method_is_405_with_allowed_methods(router: Router[str]) -> None:
    match = router.match("PATCH", "/emma/100/mailings/200")
    assert match.target is None and match.allowed == ("GET", "PUT")


def test_unknown_path_is_404(router: Router[str]) -> None:
    assert router.match("GET", "/emma/100/nothing").allowed == ()


def test_head_falls_back_to_get(router: Router[str]) -> None:
    assert router.match("HEAD", "/emma/100/mailings").target == "list"


def test_trailing_slash_is_ignored(router: Router[str]) -> None:
    assert router.match("GET", "/emma/100/mailings/").target == "list"


def test_clashing_parameter_names_are_refused(router: Router[str]) -> None:
    with pytest.raises(ValueError, match="clashes"):
        router.add("GET", "/emma/{other}/x", "x")
