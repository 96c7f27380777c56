"""The demo accounts: who they are and how much history each one has.

Every personal value (name, street, phone, card digits, IP addresses, device names, review texts)
is unique to one customer, so an end-to-end test can assert that a page shows only its own
customer's values and never another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from ..models import Role

# The fixed "now" of the demo world. Every demo timestamp is derived from it, never from the clock,
# so `seed --reset` produces identical rows whenever it runs.
BASE_TIME: Final[datetime] = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
DEMO_PASSWORD: Final[str] = "demo-password"
# The demo privacy officer signs in with a second factor, so QA can script it: the authenticator secret (base32) is
# published in docs/qa.md, and a suite computes the code itself (`pyotp.TOTP(DEMO_TOTP_SECRET).now()`). Demo only:
# the demo accounts do not exist outside demo and development mode.
DEMO_TOTP_SECRET: Final[str] = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_TOTP_ACCOUNT: Final[str] = "dpo@example.com"


@dataclass(frozen=True)
class StaffSpec:
    id: int
    email: str
    role: str
    username: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class Identity:
    full_name: str
    street: str
    city: str
    state: str
    postcode: str
    country: str  # ISO 3166-1 alpha-2
    phone: str
    fax: str = ""

    def shipping_address(self) -> str:
        """One line, the way a label prints it; copied onto orders because invoices keep it."""
        parts = [self.street, f"{self.postcode} {self.city}".strip(), self.state, self.country]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class CustomerSpec:
    id: int
    email: str
    username: str
    display_name: str
    rng_seed: int  # each customer has an own random stream, so adding rows to one never shifts another
    created_at: datetime
    identity: Identity
    cards: tuple[tuple[str, str, str], ...]  # (brand, last4, expiry MM/YYYY)
    bank_accounts: tuple[tuple[str, str], ...]  # (bank name, last four digits)
    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]
    devices: tuple[tuple[str, str], ...]  # (device name, operating system); the OS picks the browser
    feedback: tuple[tuple[str, str, int | None, str], ...]  # (kind, product, rating, text)
    orders: int
    warranty_claims: int
    manual_changes: int
    support_tickets: int
    feedback_count: int
    usage_events: int
    access_log: int
    cookies: int


STAFF: Final[tuple[StaffSpec, ...]] = (
    StaffSpec(
        5, "agent@example.com", Role.AGENT.value, "sam.agent", "Sam Agent", datetime(2025, 1, 6, 8, 30, tzinfo=UTC)
    ),
    StaffSpec(
        6, "dpo@example.com", Role.DPO.value, "dana.officer", "Dana Officer", datetime(2025, 1, 6, 8, 45, tzinfo=UTC)
    ),
)

ADA = CustomerSpec(
    id=1,
    email="ada@example.com",
    username="ada.lovelace",
    display_name="Ada Lovelace",
    rng_seed=1815,
    created_at=datetime(2024, 3, 12, 9, 14, 5, tzinfo=UTC),
    identity=Identity(
        "Ada Lovelace",
        "12 St James's Square",
        "London",
        "Greater London",
        "SW1Y 4JH",
        "GB",
        "+44 20 7946 0958",
        "+44 20 7946 0959",
    ),
    cards=(("Visa", "4242", "08/2028"), ("Mastercard", "5100", "03/2027")),
    bank_accounts=(("Barclays Bank UK", "3141"),),
    ipv4=("198.51.100.23", "198.51.100.24", "81.2.69.160"),
    ipv6=("2001:db8:ada::17",),
    devices=(("Ada's MacBook Air", "macOS"), ("Ada's iPhone 15", "iOS"), ("Analytical Engine PC", "Windows")),
    feedback=(
        (
            "review",
            "SONOFF MINI R4",
            5,
            "Fits behind the light switch in my Victorian terraced house; paired in under a minute.",
        ),
        (
            "question",
            "NSPanel Pro",
            None,
            "Can the NSPanel Pro show the Bernoulli-number dashboard I built in Home Assistant?",
        ),
        (
            "review",
            "S31 Smart Plug",
            4,
            "Power readings match my meter within 2 %. The UK plug variant would be welcome.",
        ),
        (
            "feedback",
            "ZigBee Bridge Pro",
            None,
            "Setup wizard was clear, but the poetry-science blog post link in the box is broken.",
        ),
        (
            "review",
            "SNZB-02P Temperature Sensor",
            3,
            "Accurate in the study, but the battery cover in my unit is loose.",
        ),
    ),
    orders=6,
    warranty_claims=2,
    manual_changes=2,
    support_tickets=3,
    feedback_count=5,
    usage_events=40,
    access_log=16,
    cookies=6,
)

GRACE = CustomerSpec(
    id=2,
    email="grace@example.com",
    username="grace.hopper",
    display_name="Grace Hopper",
    rng_seed=1906,
    created_at=datetime(2023, 5, 9, 16, 2, 41, tzinfo=UTC),
    identity=Identity(
        "Grace Hopper", "Compilerstraße 59", "Berlin", "Berlin", "10115", "DE", "+49 30 901820 17", "+49 30 901820 18"
    ),
    cards=(("Visa", "1906", "12/2027"), ("American Express", "0005", "06/2029"), ("Mastercard", "7310", "01/2028")),
    bank_accounts=(("Deutsche Bank", "2718"), ("N26 Bank", "8086")),
    ipv4=("203.0.113.41", "203.0.113.42", "203.0.113.77", "192.0.2.150"),
    ipv6=("2001:db8:c0b0:1::5", "2001:db8:c0b0:1::6"),
    devices=(
        ("Grace's ThinkPad X1", "Linux"),
        ("Grace's Pixel 8", "Android"),
        ("UNIVAC Lab Desktop", "Windows"),
        ("Grace's iPad Air", "iPadOS"),
        ("COBOL Build Server", "Linux"),
        ("Grace's Chromebook", "ChromeOS"),
        ("Office Mac mini", "macOS"),
        ("Grace's Galaxy S24", "eWeLink"),
        ("Harvard Mark I Kiosk", "Windows"),
        ("Workshop Raspberry Pi", "Linux"),
        ("Grace's Work iPhone", "iOS"),
        ("Navy Lab Surface", "Windows"),
    ),
    feedback=(
        ("review", "NSPanel Pro", 5, "Runs our whole Berlin office; the COBOL team loves the scene buttons."),
        ("review", "POWR320D", 4, "Metering on the server-rack circuit is solid; the display is dim in sunlight."),
        (
            "question",
            "ZigBee Bridge Pro",
            None,
            "How many SNZB-02P sensors can one bridge carry? We plan 120 across three floors.",
        ),
        (
            "feedback",
            "TX Ultimate T5",
            None,
            "The nanosecond-length wire I hand out in talks fits the TX Ultimate wall box perfectly.",
        ),
        ("review", "SONOFF BASIC R4", 2, "Found a literal bug (a moth) in the relay housing. Replaced quickly though."),
        ("review", "SNZB-01P Wireless Button", 5, "Our debug lab uses these as big red 'compile' buttons."),
        ("question", "M5 Wall Switch", None, "Is there a three-gang M5 in the German frame size for Kreuzberg flats?"),
        ("feedback", "S31 Smart Plug", None, "Please ship a Schuko variant of the S31 for our Berlin office."),
    ),
    orders=60,
    warranty_claims=8,
    manual_changes=5,
    support_tickets=15,
    feedback_count=24,
    usage_events=50_000,
    access_log=5_000,
    cookies=30,
)

LINUS = CustomerSpec(
    id=3,
    email="linus@example.com",
    username="linus.torvalds",
    display_name="Linus Torvalds",
    rng_seed=1969,
    created_at=datetime(2024, 8, 25, 20, 57, 8, tzinfo=UTC),
    identity=Identity(
        "Linus Torvalds", "Kernelinkatu 4 B 19", "Helsinki", "Uusimaa", "00170", "FI", "+358 9 3101 6642"
    ),
    cards=(("Visa", "1991", "09/2029"),),
    bank_accounts=(),
    ipv4=("192.0.2.19", "192.0.2.91"),
    ipv6=("2001:db8:11c5::1991",),
    devices=(("Linus's Fedora Workstation", "Linux"), ("Linus's Pixel 7", "Android")),
    feedback=(
        ("review", "SONOFF BASIC R4", 4, "Flashed it with open firmware in ten minutes. Good GPIO access."),
        (
            "question",
            "POWR320D",
            None,
            "Is the POWR320D metering chip documented anywhere for the penguin sauna heater?",
        ),
        (
            "feedback",
            "SONOFF MINI R4",
            None,
            "Please publish the full changelog for firmware 1.5; 'bug fixes' is not a changelog.",
        ),
    ),
    orders=4,
    warranty_claims=1,
    manual_changes=1,
    support_tickets=2,
    feedback_count=3,
    usage_events=30,
    access_log=12,
    cookies=5,
)

MARGARET = CustomerSpec(
    id=4,
    email="margaret@example.com",
    username="margaret.hamilton",
    display_name="Margaret Hamilton",
    rng_seed=1936,
    created_at=datetime(2025, 2, 3, 7, 45, 19, tzinfo=UTC),
    identity=Identity(
        "Margaret Hamilton", "Apolloweg 11", "Utrecht", "Utrecht", "3511 AB", "NL", "+31 30 555 0147", "+31 30 555 0148"
    ),
    cards=(("Mastercard", "1969", "07/2027"),),
    bank_accounts=(("ING Bank", "1202"),),
    ipv4=("100.64.11.69", "100.64.11.70"),
    ipv6=("2001:db8:a110::11",),
    devices=(("Margaret's Dell XPS", "Windows"), ("Margaret's iPhone 14", "iOS")),
    feedback=(
        (
            "review",
            "TX Ultimate T5",
            5,
            "Touch surface is priority-scheduled perfectly: never missed a tap in the Utrecht flat.",
        ),
        (
            "question",
            "SNZB-02P Temperature Sensor",
            None,
            "Does the SNZB-02P recover on its own after a 1202 alarm-style overload of the bridge?",
        ),
        ("review", "M5 Wall Switch", 4, "Looks great in the canal-house hallway; the LED is a bit bright at night."),
        ("feedback", "NSPanel Pro", None, "The lunar-module scene template would be a nice default theme."),
    ),
    orders=3,
    warranty_claims=1,
    manual_changes=1,
    support_tickets=2,
    feedback_count=4,
    usage_events=25,
    access_log=10,
    cookies=5,
)

CUSTOMERS: Final[tuple[CustomerSpec, ...]] = (ADA, GRACE, LINUS, MARGARET)
