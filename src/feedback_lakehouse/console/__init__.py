"""What the terminal shows: progress on stderr, reports and results on stdout, Ctrl-C, and
engine errors in words. Used by the CLI; steps know only ``progress.Progress``."""
