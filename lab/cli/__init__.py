"""`python -m lab`: the commands, their flags, progress on stderr and the terminal tables on stdout."""
