"""The Docker side of a run: the port a run talks to, the client and its adapter, the run's
containers, a trial, the runner, clean-up."""
