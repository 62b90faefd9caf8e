"""Pure builders: text (CSV, JSON, Markdown), Rich tables, matplotlib figures. They never print."""
