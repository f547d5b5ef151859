"""`python -m lab`: the commands, their flags, progress on stderr and the tables on stdout."""
