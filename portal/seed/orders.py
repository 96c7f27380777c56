"""Seed rows for the shop side of a demo customer: orders (with the shipping identity an invoice keeps) and the
payments for them.

Apart from `generate` because orders carry their own pricing rules (shipping fee, free shipping threshold) and
other kinds (warranty claims) read the products bought from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from .people import BASE_TIME, CustomerSpec
from .streams import kind_rng, spread
from .texts import ORDER_QUANTITIES, ORDER_STATUSES, PRODUCTS

Row = dict[str, Any]
FREE_SHIPPING_FROM = 5000  # cents
SHIPPING_FEE = 495  # cents


def product_names(items: str) -> Iterator[str]:
    for part in items.split("; "):
        yield part.rsplit(" x", 1)[0]


def orders_and_payments(spec: CustomerSpec) -> tuple[list[Row], list[Row]]:
    """Orders with the shipping identity copied in (as an invoice keeps it), and a payment for every
    order that was not cancelled, paid with one of the customer's own saved methods."""
    rng = kind_rng(spec.rng_seed, "order")
    methods = [f"{brand} •••• {last4}" for brand, last4, _ in spec.cards]
    methods += [f"SEPA debit •••• {last4}" for _, last4 in spec.bank_accounts]
    orders: list[Row] = []
    payments: list[Row] = []
    times = list(spread(rng, spec.orders, spec.created_at + timedelta(days=1), BASE_TIME - timedelta(days=2)))
    for n, placed in enumerate(times):
        lines = rng.sample(PRODUCTS, k=rng.randint(1, 3))
        quantities = [rng.choice(ORDER_QUANTITIES) for _ in lines]
        items = "; ".join(f"{name} x{qty}" for (name, _, _), qty in zip(lines, quantities, strict=True))
        subtotal = sum(price * qty for (_, price, _), qty in zip(lines, quantities, strict=True))
        total = subtotal if subtotal >= FREE_SHIPPING_FROM else subtotal + SHIPPING_FEE
        # The newest order is still on its way; older ones are mostly delivered.
        status = "shipped" if n == len(times) - 1 else rng.choice(ORDER_STATUSES)
        number = f"SO-{spec.id}{n + 1:05d}"
        orders.append(
            {
                "customer_id": spec.id,
                "order_number": number,
                "placed_at": placed,
                "items": items,
                "total": total,
                "currency": "EUR",
                "status": status,
                "shipping_name": spec.identity.full_name,
                "shipping_address": spec.identity.shipping_address(),
            }
        )
        if status != "cancelled":
            payments.append(
                {
                    "customer_id": spec.id,
                    "order_number": number,
                    "paid_at": placed + timedelta(seconds=rng.randint(20, 600)),
                    "amount": total,
                    "currency": "EUR",
                    "method": rng.choice(methods) if methods else "PayPal",
                }
            )
    return orders, payments
