"""Step arithmetic and summaries built on the engine: ratios to updates, key events, lints."""
