"""The Docker side of a run: the client, the run's containers, a trial, the runner, clean-up."""
