"""The SQL store. The schema is owned by the Alembic migrations in ``migrations/``; these models
must match the head revision (``alembic check`` and the tests verify that)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    create_engine,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

ORDER_STATUSES = ("pending", "shipped", "cancelled")


class Base(DeclarativeBase):
    metadata = MetaData()


class Customer(Base):
    __tablename__ = "customers"
    # Revision c3e5a7b90003 normalised and de-duplicated emails, then made them unique.
    __table_args__ = (Index("uq_customers_email", "email", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_orders_quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="ck_orders_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", name="fk_orders_customer_id_customers"), nullable=False, index=True
    )
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price_cents: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="pending")

    customer: Mapped[Customer] = relationship(back_populates="orders")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "customer_email": self.customer.email,
            "sku": self.sku,
            "quantity": self.quantity,
            "unit_price_cents": self.unit_price_cents,
            "total_cents": self.quantity * self.unit_price_cents,
            "status": self.status,
            "created_at": _utc(self.created_at).isoformat(),
        }


metadata = Base.metadata


def _utc(value: datetime) -> datetime:
    # SQLite stores no time zone; every timestamp this service writes is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    # pool_pre_ping: a connection dropped by the database server is replaced instead of failing a request.
    return create_engine(url, pool_pre_ping=True)


def schema_revision(engine: Engine) -> str:
    """The Alembic revision the database is at; raises if the database is unreachable or unmigrated."""
    with engine.connect() as conn:
        rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    if rev is None:
        raise RuntimeError("database has no Alembic revision (run `alembic upgrade head`)")
    return rev


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_order(session: Session, *, email: str, sku: str, quantity: int, unit_price_cents: int) -> Order:
    email = normalise_email(email)
    now = datetime.now(UTC)
    customer = session.scalars(select(Customer).where(Customer.email == email)).one_or_none()
    if customer is None:
        customer = Customer(email=email, name="", created_at=now)
        session.add(customer)
    order = Order(customer=customer, sku=sku, quantity=quantity, unit_price_cents=unit_price_cents,
                  created_at=now, status="pending")
    session.add(order)
    session.flush()
    return order


def list_orders(session: Session, *, status: str | None = None, limit: int = 100) -> list[Order]:
    query = select(Order).order_by(Order.id).limit(limit)
    if status:
        query = query.where(Order.status == status)
    return list(session.scalars(query))
