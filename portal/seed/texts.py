"""Shared vocabulary of the demo data: SONOFF products, pages, cookies, browsers and canned answers.

Nothing here identifies a customer: the values that must differ between customers (names, addresses,
card digits, IP addresses, review texts) live in `people.py`, so a test can tell customers apart.
"""

from __future__ import annotations

from typing import Final

# (product name as sold, price in euro cents, the product page's path)
PRODUCTS: Final[tuple[tuple[str, int, str], ...]] = (
    ("SONOFF MINI R4", 1290, "/products/mini-r4"),
    ("SONOFF BASIC R4", 990, "/products/basic-r4"),
    ("NSPanel Pro", 10990, "/products/nspanel-pro"),
    ("ZigBee Bridge Pro", 2990, "/products/zbbridge-p"),
    ("TX Ultimate T5", 3990, "/products/tx-ultimate"),
    ("POWR320D", 2990, "/products/powr320d"),
    ("S31 Smart Plug", 1490, "/products/s31"),
    ("SNZB-02P Temperature Sensor", 1190, "/products/snzb-02p"),
    ("SNZB-01P Wireless Button", 990, "/products/snzb-01p"),
    ("M5 Wall Switch", 2490, "/products/m5"),
)

# Weighted by repetition: most orders arrive, a few come back or are cancelled before payment.
ORDER_STATUSES: Final[tuple[str, ...]] = ("delivered",) * 8 + ("returned", "cancelled")
ORDER_QUANTITIES: Final[tuple[int, ...]] = (1, 1, 1, 1, 2, 2, 3, 4)

# Pages without a product: together with the product pages these are what usage events point at.
SITE_PAGES: Final[tuple[str, ...]] = (
    "/",
    "/products",
    "/products/zigbee",
    "/products/wifi-switches",
    "/cart",
    "/checkout",
    "/account/orders",
    "/account/profile",
    "/support",
    "/support/faq",
    "/support/downloads",
    "/blog/matter-over-wifi",
    "/blog/nspanel-pro-review",
    "/search?q=zigbee",
    "/search?q=mini+r4",
    "/warranty",
    "/shipping",
    "/privacy",
)

LINKS: Final[tuple[str, ...]] = (
    "Add to cart",
    "Buy now",
    "/cart",
    "/checkout",
    "Download manual (PDF)",
    "/support/faq",
    "https://ewelink.cc/app",
    "https://github.com/itead",
    "Compare products",
    "Read reviews",
    "/account/orders",
    "Subscribe to newsletter",
)

# (cookie name, purpose, lifetime in days)
COOKIES: Final[tuple[tuple[str, str, int], ...]] = (
    ("_session", "Keeps you signed in", 1),
    ("cookie_consent", "Remembers your cookie choices", 365),
    ("_analytics_id", "Counts visits for usage analytics (with your consent)", 395),
    ("cart_id", "Remembers the contents of your shopping cart", 30),
    ("lang", "Remembers your language", 365),
    ("_csrf", "Protects forms against cross-site request forgery", 1),
)

ACCESS_EVENTS: Final[tuple[str, ...]] = (
    "page-view",
    "page-view",
    "page-view",
    "api-call",
    "api-call",
    "sign-in",
    "sign-out",
    "token-refresh",
    "password-check",
)

# Browsers keyed by the operating system a device reports, so a device and its log rows agree.
USER_AGENTS: Final[dict[str, str]] = {
    "macOS": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "iOS": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "iPadOS": "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "Linux": "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
    "Android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Mobile Safari/537.36",
    "ChromeOS": "Mozilla/5.0 (X11; CrOS x86_64 15917.71.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "eWeLink": "eWeLink/5.9.0 (Android 14; SM-S921B)",
}

CLAIM_STATUSES: Final[tuple[str, ...]] = ("replaced", "refunded", "in review", "rejected")

WARRANTY_ISSUES: Final[tuple[str, ...]] = (
    "Relay clicks but the load does not switch on.",
    "Device drops off Wi-Fi every few hours since firmware 1.4.",
    "Touch panel does not react in the lower-left corner.",
    "Enclosure cracked on arrival; the courier box was intact.",
    "Temperature reading is 3 °C too high compared with a calibrated thermometer.",
    "Power metering reports 0 W while a 2 kW heater is running.",
)

MANUAL_CHANGES: Final[tuple[str, ...]] = (
    "Asked for the wiring diagram to show the neutral wire on the S1/S2 terminals.",
    "Reported a typo in the pairing steps (hold 5 s, not 7 s).",
    "Requested the manual in Dutch.",
    "Asked to add the maximum load for inductive loads.",
    "Pointed out that the QR code links to the old eWeLink app page.",
)

# (subject, our answer, status)
TICKETS: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "Where is my order?",
        "Your parcel left our warehouse yesterday; the tracking link is in your order confirmation email.",
        "closed",
    ),
    (
        "Cannot pair with Home Assistant",
        "Please switch the device to DIY mode in eWeLink first; our FAQ 'LAN control' walks through it.",
        "answered",
    ),
    (
        "Invoice needs my company VAT number",
        "We have reissued the invoice with your VAT number; you can download it under Orders.",
        "closed",
    ),
    ("Change delivery address", "The order had already shipped, so we asked the courier to redirect it.", "closed"),
    (
        "Firmware update failed at 80 %",
        "Power-cycle the device and retry over 2.4 GHz Wi-Fi; if it fails again we will replace it under warranty.",
        "answered",
    ),
    (
        "Matter support for older devices?",
        "Matter is available on R4 and newer devices only; older ones can join through the ZigBee Bridge Pro.",
        "closed",
    ),
)

FEEDBACK_KINDS: Final[tuple[str, ...]] = ("review", "question", "feedback")
