"""A provider's request-dependent conventions (envelope, pagination, query language), resolved
from its spec by name."""

from __future__ import annotations

from mailtwin.context import Styles
from mailtwin.conventions.envelopes import ENVELOPES
from mailtwin.conventions.paging import PAGINATORS
from mailtwin.conventions.querying import QUERY_STYLES
from mailtwin.provider import Provider


def styles_for(provider: Provider) -> Styles:
    """The Styles a provider's `conventions` name."""
    conventions = provider.spec.conventions
    return Styles(envelope=ENVELOPES[conventions["envelope"]],
                  paginate=PAGINATORS[provider.paging["style"]],
                  query=QUERY_STYLES[conventions.get("query", "none")])
