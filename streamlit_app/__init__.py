"""BeaconLake."""
