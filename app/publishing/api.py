"""REST APIs of publishing: notices and the posting log, same permissions as the views.

A notice is saved as a draft through the same check as the form; publishing and withdrawing
go through the services and need Notice can_publish (the supervisor).
"""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import Schema, fields, validate

from app.core import clock
from app.core.api import StaffRestApi, action_endpoint
from app.publishing import services
from app.publishing.models import Notice, Posting
from app.security import permissions as P


class WithdrawSchema(Schema):
    reason = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=300))


class NoticeRestApi(StaffRestApi):
    resource_name = "notice"
    class_permission_name = P.NOTICE
    method_permission_name = {**StaffRestApi.method_permission_name, "publish": "publish", "withdraw": "publish"}
    datamodel = SQLAInterface(Notice)
    openapi_spec_component_schemas = (WithdrawSchema,)
    list_columns = ["id", "estate_id", "kind", "title", "status", "starts_at", "ends_at", "published_at",
                    "withdrawn_at"]
    show_columns = ["id", "estate_id", "kind", "title", "body", "status", "starts_at", "ends_at", "caller_script",
                    "period_from", "period_to", "published_at", "published_by_id", "withdrawn_at", "withdrawn_by_id",
                    "withdraw_reason"]
    add_columns = ["estate", "kind", "title", "body", "starts_at", "ends_at", "caller_script"]
    edit_columns = add_columns[1:]
    search_columns = ["kind", "status", "title"]
    order_columns = ["published_at", "starts_at", "status"]
    service_check = staticmethod(services.check_notice)

    def pre_delete(self, item):
        # a published notice stays on record: withdraw it instead (same rule as editing)
        from app.publishing import rules

        rules.check_editable(item.status)

    @action_endpoint("/<pk>/publish", "Publish a draft notice (Notice can_publish).", returns="The notice")
    def publish(self, pk):
        return self.run_on(pk, lambda item, _: services.publish_notice(item.id, self.actor(), clock.now()))

    @action_endpoint("/<pk>/withdraw",
                     "Withdraw a published notice (Notice can_publish).", "WithdrawSchema", returns="The notice")
    def withdraw(self, pk):
        return self.run_on(
            pk, lambda item, data: services.withdraw_notice(item.id, self.actor(), clock.now(), data["reason"]),
            WithdrawSchema)


class PostingRestApi(StaffRestApi):
    """The posting log; photos are uploaded on the staff pages, not here."""

    resource_name = "posting"
    class_permission_name = P.POSTING
    datamodel = SQLAInterface(Posting)
    list_columns = ["id", "estate_id", "subject", "notice_id", "schedule_id", "board", "posted_at", "posted_by_id",
                    "notes"]
    show_columns = list_columns
    add_columns = ["estate", "subject", "notice", "schedule", "board", "posted_at", "notes"]
    edit_columns = add_columns[1:]
    search_columns = ["subject", "board", "posted_at"]
    order_columns = ["posted_at", "subject"]
    service_check = staticmethod(services.check_posting)

    def pre_add(self, item):
        item.posted_by_id = getattr(self.actor(), "id", None)
