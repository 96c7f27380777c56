"""Design constants: colours, spacing and type in one place (Tailwind classes, Quasar brand colours)."""

PRIMARY = "#1f4e79"
SECONDARY = "#3d6a8f"
ACCENT = "#c2410c"
POSITIVE = "#15803d"
NEGATIVE = "#b91c1c"
WARNING = "#a16207"

PAGE = "w-full max-w-screen-2xl mx-auto p-4 gap-4"
CARD = "w-full p-4 gap-2"
HEADING = "text-xl font-semibold"
SUBHEADING = "text-base font-semibold"
MUTED = "text-sm text-gray-600 dark:text-gray-300"
LABEL = "text-xs uppercase tracking-wide text-gray-600 dark:text-gray-300"
DENSE_TABLE = "w-full"


def apply_colors() -> None:
    from nicegui import ui

    ui.colors(
        primary=PRIMARY, secondary=SECONDARY, accent=ACCENT, positive=POSITIVE, negative=NEGATIVE, warning=WARNING
    )
    # NiceGUI's default link blue fails WCAG AA contrast on white (3.7:1); ours passes in both modes.
    ui.add_css(f".nicegui-link{{color:{PRIMARY}}} .body--dark .nicegui-link{{color:#93c5fd}}")
    # The brand blue as text (flat and outlined buttons, counts) is unreadable on the dark background: the
    # same light blue as links there. Filled buttons (bg-primary) keep the brand colour.
    # In NiceGUI's "overrides" layer: it comes before Quasar's "quasar_importants", so this !important wins.
    ui.add_css("@layer overrides { .body--dark .text-primary{color:#93c5fd !important} }")
    # The skip link: out of sight until the keyboard reaches it (it is the first stop on every signed-in page).
    ui.add_css(
        ".skip-link{position:absolute;left:-10000px;top:0.5rem;z-index:9999;padding:0.5rem 1rem;border-radius:0.25rem;"
        f"background:#fff;color:{PRIMARY};font-weight:600}}"
        ".skip-link:focus{left:1rem;outline:3px solid #f59e0b}"
    )
