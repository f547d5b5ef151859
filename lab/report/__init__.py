"""A run's report: its content, rendered as Markdown and as one self-contained HTML page with charts."""
