"""The Docker side of a run: the client, the run's containers and network, a trial, the runner, clean-up."""
