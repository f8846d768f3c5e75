"""HTTP lives here: the API blueprint and the control plane blueprint."""
