"""A run's report: its content, as Markdown and as one self-contained HTML page with charts."""
