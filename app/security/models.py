"""Which staff user works for which estate. Admin sees every estate without rows here."""
import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.audit import Audited


class StaffEstate(Audited, Model):
    __tablename__ = "staff_estate"
    __table_args__ = (UniqueConstraint("user_id", "estate_id", name="uq_staff_estate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estate.id", ondelete="CASCADE"), index=True)
    # the staff member's department in that estate (app.servicedesk.rules.DEPARTMENTS): work
    # orders and complaints are sent to departments; engineers see only their department's
    department: Mapped[str | None] = mapped_column(String(20))

    user = relationship("User")
    estate = relationship("Estate")

    def __str__(self) -> str:
        return f"{self.user} @ {self.estate}"


class RevokedGrant(Model):
    """An API login that was logged out: its access and refresh tokens share the grant id
    (app/security/tokens.py) and are refused from then on. Kept until the tokens expire."""

    __tablename__ = "revoked_grant"

    grant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    keep_until: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
