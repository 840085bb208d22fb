import pytest


@pytest.fixture()
def clerk(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="clerk")


@pytest.fixture()
def supervisor(app_ctx):
    return app_ctx.appbuilder.sm.find_user(username="supervisor")


@pytest.fixture()
def estate_ids(demo_estate):
    return [demo_estate.id]
