"""Text colours for flat and outline buttons that stay readable (4.5:1) in light and dark mode. Quasar's
`color=` props use one colour for both modes, which is too dark on the dark background; these buttons are
created with `color=None` and take one of these Tailwind pairs instead."""

QUIET = "text-gray-800 dark:text-gray-100"
ACTION = "text-primary dark:text-sky-300"
DANGER = "text-red-700 dark:text-red-300"
