"""FAB's security API (/api/v1/security: login, refresh) plus logout, which revokes the tokens
of that API login (app/security/tokens.py)."""
from __future__ import annotations

from flask import Response, g
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.api import SecurityApi
from flask_jwt_extended import get_jwt, jwt_required


class EstateSecurityApi(SecurityApi):
    @expose("/logout", methods=["POST"])
    @jwt_required(verify_type=False)
    @safe
    def logout(self) -> Response:
        """Log an API client out: the access and refresh tokens of its login stop working.
        ---
        post:
          description: >-
            Revoke the presented token's login: its access token and its refresh token are
            refused from now on (either token may be presented).
          responses:
            200:
              description: Logged out
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            401:
              $ref: '#/components/responses/401'
          security:
            - jwt: []
        """
        from app.core import clock
        from app.security import events, tokens

        payload = get_jwt()
        tokens.revoke_grant(payload, clock.utcnow())
        events.record(events.LOGOUT, user=g.get("user"), detail={"via": "api"})
        return self.response(200, message="OK")
