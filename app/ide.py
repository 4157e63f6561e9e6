"""GraphiQL, as Strawberry ships it, taught to authenticate subscriptions.

GraphiQL sends the Headers tab with queries and mutations but opens its WebSocket
without them. Clutch reads the token from the `connection_init` payload, so the page
passes the persisted `Authorization` header as graphql-ws `connectionParams`.
"""

from __future__ import annotations

from functools import cache

from strawberry.http.ides import get_graphql_ide_html

_FETCHER = "        subscriptionUrl,\n      });"
_FETCHER_WITH_AUTH = """        subscriptionUrl,
        wsConnectionParams: () => {
          try {
            const saved = JSON.parse(localStorage.getItem("graphiql:headers") || "{}");
            const value = saved.Authorization || saved.authorization;
            return value ? { Authorization: value } : {};
          } catch (error) {
            return {};
          }
        },
      });"""


@cache
def graphiql_html() -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    if _FETCHER not in html:  # a Strawberry upgrade changed the page: serve it unpatched
        return html
    return html.replace(_FETCHER, _FETCHER_WITH_AUTH, 1)
