"""The engine: discovery, project model, runner, findings, suppressions, reporters."""
