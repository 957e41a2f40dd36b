"""The slice of the agent platform backend that the unit tests import directly."""
