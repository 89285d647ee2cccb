"""Built by a later issue; the app exists so its place in the layout is fixed."""
